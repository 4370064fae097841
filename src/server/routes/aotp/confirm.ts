/** `POST /aotp/v1/confirm`: a pending token becomes active once its first code is right. @see docs/protocol.md §4 */
import type { FastifyInstance } from 'fastify';
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { parseConfirmRequest, type ConfirmResponse } from '../../../core/protocol/messages.ts';
import { profileOf } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import { isoSeconds } from '../../dates.ts';
import { checkConfirmMacSync } from '../../protocol-crypto.ts';
import { audit } from '../../store/audit.ts';
import { writes } from '../../store/write-queue.ts';
import { clearFailuresUnlessLocked, countFailureUnlessLocked, lockedFor } from '../../store/login-guard.ts';
import { confirmPending, confirmWithinLimits, countConfirmFailure, type ActivateOutcome } from '../../store/tokens/confirm.ts';
import { tokenStatus } from '../../store/tokens/row.ts';
import { admitToken, checkUserLock, findAuthenticToken, invalidOtp, isPastDeadline, lockedError, matchCode, noActiveToken, rateLimited } from './token-auth.ts';

/** Confirms a token: the §4 rules. @see docs/protocol.md §4 */
async function confirmToken(ctx: AppContext, body: unknown, ip: string): Promise<ConfirmResponse> {
  const req = parseConfirmRequest(body);
  const limit = { bucket: 'confirm', ip } as const;
  const { token } = await findAuthenticToken(ctx, req.tokenId, (kStatus) => checkConfirmMacSync(kStatus, req), limit);
  const profile = profileOf(ctx, token.profile);
  const entry = { username: token.username, ip };
  const answer: ConfirmResponse = { status: 'active', expiresAt: isoSeconds(token.expires_at) };
  const now = ctx.now();
  const confirmed = (outcome: ActivateOutcome): ConfirmResponse => {
    if (outcome === 'gone') throw new ProtocolError('invalid_mac', 'This token is unknown to the server.');
    if (outcome === 'stale_renewal') throw noActiveToken('The token this one renews is no longer active.');
    return answer;
  };

  const confirmEntry = { ...entry, detail: { tokenId: token.id, renews: token.renews_token_id } };

  // A pending token's code is checked before anything is written. The usual
  // request, a token confirmed in time with its right code, is then one write
  // on SQLite and (a first token) one statement on PostgreSQL: the request's
  // rate-limit hits and the confirmation, which happens only within the limits.
  const step = token.state === 'pending' && !isPastDeadline(ctx, token, profile) ? matchCode(ctx, token, profile, req.otp, now) : null;
  const done = step === null ? null : await confirmWithinLimits(ctx, now, token, step, confirmEntry, limit);
  if (done) {
    if (done.wait !== null) throw rateLimited(done.wait);
    return confirmed(done.outcome);
  }
  // Otherwise the hits first (a pending token past its window is discarded there), then the §4 rules.
  await admitToken(ctx, token, profile, limit);

  if (token.state === 'pending') {
    if (step === null) {
      const counted = await writes(ctx).run(async (tx) => {
        const outcome = await countConfirmFailure(tx, token.id);
        if (outcome !== 'gone') await audit({ db: tx, now: () => now }, 'token.confirm_failed', { ...entry, detail: { tokenId: token.id, discarded: outcome === 'discarded' } });
        return outcome;
      });
      // Its attempts were used up by concurrent requests: the token is gone.
      if (counted === 'gone') throw new ProtocolError('invalid_mac', 'This token is unknown to the server.');
      throw invalidOtp();
    }
    return confirmed(await confirmPending(ctx, now, token, step, confirmEntry));
  }

  if (tokenStatus(token, now) !== 'active') throw noActiveToken('This token is no longer active.');
  // Confirming an active token again is a code check like a login: locked users
  // are refused and wrong codes count (no free PIN oracle, see DESIGN.md camouflage).
  // The lock check and the count are one step (login-guard.ts).
  checkUserLock(token, now);
  if (matchCode(ctx, token, profile, req.otp, now) === null) {
    const failure = await writes(ctx).run(async (tx) => {
      const count = await countFailureUnlessLocked(tx, now, token.user_id, profile);
      if (count.counted) {
        await audit({ db: tx, now: () => now }, count.locked ? 'login.locked' : 'login.failed', { ...entry, detail: { via: 'confirm', failures: count.failures } });
      }
      return count;
    });
    if (!failure.counted) throw lockedError(failure.retryAfter);
    throw invalidOtp();
  }
  if (!(await writes(ctx).run((tx) => clearFailuresUnlessLocked(tx, now, token.user_id)))) {
    throw lockedError(await lockedFor(ctx.db, now, token.user_id, profile));
  }
  return answer;
}

export function confirmRoute(app: FastifyInstance, ctx: AppContext): void {
  app.post('/confirm', async (req) => confirmToken(ctx, req.body, req.ip));
}
