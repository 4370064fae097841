/** `POST /aotp/v1/status`: a token's state and expiry, and an optional online code check. @see docs/protocol.md §5 */
import type { FastifyInstance } from 'fastify';
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { parseStatusRequest, type StatusResponse } from '../../../core/protocol/messages.ts';
import type { AppContext } from '../../context.ts';
import { isoSeconds } from '../../dates.ts';
import { checkStatusMacSync } from '../../protocol-crypto.ts';
import { audit } from '../../store/audit.ts';
import { writes } from '../../store/write-queue.ts';
import { clearFailuresUnlessLocked, countFailureUnlessLocked, lockRemaining, lockedFor } from '../../store/login-guard.ts';
import { countConfirmFailure } from '../../store/tokens/confirm.ts';
import { tokenStatus } from '../../store/tokens/row.ts';
import { renewOpensAt } from './envelope.ts';
import { authenticateToken, checkSkew, matchCode } from './token-auth.ts';

/**
 * Answers §5. With `otp`: checked against the token without being used up
 * (the user logs in with it next); a wrong code counts as a failed login for
 * an active token (the answer says `failuresLeft`) and as a failed
 * confirmation for a pending one. A locked user's code is neither checked nor
 * counted: the answer says `locked` and `retryAfter`. The lock check and the
 * count are one step (see login-guard.ts). Dead tokens report
 * `otpValid: false`. @see docs/protocol.md §5
 */
async function tokenStatusOf(ctx: AppContext, body: unknown, ip: string): Promise<StatusResponse> {
  const req = parseStatusRequest(body);
  const now = ctx.now();
  checkSkew(req.ts, now);
  const { token, profile } = await authenticateToken(ctx, req.tokenId, (kStatus) => checkStatusMacSync(kStatus, req), { bucket: 'status', ip });
  const status = tokenStatus(token, now);
  const answer: StatusResponse = {
    status,
    expiresAt: isoSeconds(token.expires_at),
    serverTime: Math.floor(now / 1000),
    renewOpensAt: isoSeconds(renewOpensAt(token.expires_at, profile)),
  };
  if (req.otp === undefined) return answer;

  if (status === 'active') {
    const locked = lockRemaining(token, now);
    if (locked !== null) return { ...answer, otpValid: false, locked: true, retryAfter: locked };
    answer.otpValid = matchCode(ctx, token, profile, req.otp, now) !== null;
    if (answer.otpValid) {
      // A right code ends the run of failures, unless a concurrent request has just locked the user.
      const cleared = await writes(ctx).run((tx) => clearFailuresUnlessLocked(tx, now, token.user_id));
      if (!cleared) return { ...answer, otpValid: false, locked: true, retryAfter: await lockedFor(ctx.db, now, token.user_id, profile) };
      return answer;
    }
    const failure = await writes(ctx).run(async (tx) => {
      const count = await countFailureUnlessLocked(tx, now, token.user_id, profile);
      if (count.counted) {
        await audit({ db: tx, now: () => now }, count.locked ? 'login.locked' : 'login.failed', {
          username: token.username,
          ip,
          detail: { via: 'status', failures: count.failures },
        });
      }
      return count;
    });
    if (!failure.counted) return { ...answer, locked: true, retryAfter: failure.retryAfter };
    answer.failuresLeft = failure.failuresLeft;
    answer.lockoutSeconds = profile.lockoutSeconds;
    if (failure.locked) return { ...answer, locked: true, retryAfter: failure.retryAfter ?? profile.lockoutSeconds };
  } else if (status === 'pending') {
    answer.otpValid = matchCode(ctx, token, profile, req.otp, now) !== null;
    // Attempts used up by concurrent requests: the token is gone, as confirm would say.
    if (!answer.otpValid && (await writes(ctx).run((tx) => countConfirmFailure(tx, token.id))) === 'gone') {
      throw new ProtocolError('invalid_mac', 'This token is unknown to the server.');
    }
  } else {
    answer.otpValid = false;
  }
  return answer;
}

export function statusRoute(app: FastifyInstance, ctx: AppContext): void {
  app.post('/status', async (req) => tokenStatusOf(ctx, req.body, req.ip));
}
