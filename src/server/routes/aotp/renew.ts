/** `POST /aotp/v1/renew`: a new pending token for an active one, in-band. @see docs/protocol.md §6 */
import type { FastifyInstance } from 'fastify';
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { parseRenewRequest, type ProvisionResponse, type RenewRequest } from '../../../core/protocol/messages.ts';
import type { Profile } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import { isoSeconds } from '../../dates.ts';
import type { NewToken } from '../../db/schema.ts';
import { checkRenewMacSync, newTokenSecretsSync, sealEnvelopeSync } from '../../protocol-crypto.ts';
import { audit } from '../../store/audit.ts';
import { writes } from '../../store/write-queue.ts';
import { clearLoginFailures, countFailureUnlessLocked, lockRemaining, lockUserRow } from '../../store/login-guard.ts';
import { acceptStep } from '../../store/tokens/login.ts';
import { insertRenewal } from '../../store/tokens/renew.ts';
import { pendingTokenRow, tokenStatus, type TokenWithUser } from '../../store/tokens/row.ts';
import { buildEnvelope, renewOpensAt, SEED_BYTES, tokenTimes } from './envelope.ts';
import { authenticateToken, checkSkew, checkUserLock, invalidOtp, lockedError, matchCode, noActiveToken } from './token-auth.ts';

/**
 * Renews a token. Checks in this order: clock, MAC, profile allows renewal,
 * token active and unexpired, renewal window open, user not locked, code
 * valid and not replayed (recorded as a use, §7). @see docs/protocol.md §6
 */
async function renewToken(ctx: AppContext, body: unknown, ip: string): Promise<ProvisionResponse> {
  const req = parseRenewRequest(body);
  const now = ctx.now();
  checkSkew(req.ts, now);
  const { token: old, profile, kStatus: kStatusOld } = await authenticateToken(ctx, req.tokenId, (kStatus) => checkRenewMacSync(kStatus, req), { bucket: 'renew', ip });
  const entry = { username: old.username, ip };
  if (!profile.allowRenewal) throw new ProtocolError('renewal_disabled', 'Tokens of this profile are renewed through the portal.');
  if (tokenStatus(old, now) !== 'active') throw noActiveToken('Only an active, unexpired token can be renewed.');
  const opensAt = renewOpensAt(old.expires_at, profile);
  if (now < opensAt) {
    throw new ProtocolError('renewal_not_open', `Renewal opens on ${isoSeconds(opensAt)}.`, { renewOpensAt: isoSeconds(opensAt) });
  }
  checkUserLock(old, now);

  const step = matchCode(ctx, old, profile, req.otp, now);
  // The code just accepted, sent again: refused without counting (a retry, not a guess).
  if (step !== null && step === old.last_step) throw invalidOtp();
  // Sealed before the code is used up: a client key off the curve is a 400 that costs nothing.
  const fresh = step !== null && step > old.last_step ? sealRenewal(ctx, old, kStatusOld, profile, req, now) : null;
  const renewed = await writes(ctx).run(async (tx): Promise<'renewed' | 'wrong' | 'replay' | { locked: number }> => {
    const at = { db: tx, now: () => now };
    if (fresh !== null && step !== null) {
      // The lock check and the use of the code are one step: the user's row is held until commit.
      const user = await lockUserRow(tx, ctx.dialect, old.user_id);
      const locked = user ? lockRemaining(user, now) : null;
      if (locked !== null) return { locked };
      // The code is used up, the renewal stored and audited in one write.
      if (!(await acceptStep(tx, old.id, step))) return 'replay';
      if (user && (user.login_failures !== 0 || user.login_locked_until !== null)) await clearLoginFailures(tx, old.user_id);
      await insertRenewal(tx, fresh.row);
      await audit(at, 'token.renewed', { ...entry, detail: { tokenId: fresh.row.id, renews: old.id } });
      return 'renewed';
    }
    const failure = await countFailureUnlessLocked(tx, now, old.user_id, profile);
    if (!failure.counted) return { locked: failure.retryAfter };
    await audit(at, failure.locked ? 'login.locked' : 'login.failed', { ...entry, detail: { via: 'renew', failures: failure.failures } });
    return 'wrong';
  });
  if (typeof renewed === 'object') throw lockedError(renewed.locked);
  if (renewed !== 'renewed' || fresh === null) throw invalidOtp();
  return fresh.response;
}

/** The new token of a renewal: sealed answer for the client, row for the database. */
function sealRenewal(
  ctx: AppContext,
  old: TokenWithUser,
  kStatusOld: Uint8Array,
  profile: Profile, req: RenewRequest, now: number): { response: ProvisionResponse; row: NewToken & { renews_token_id: string } } {
  const { tokenId, seed } = newTokenSecretsSync(SEED_BYTES[profile.algorithm]);
  const times = tokenTimes(now, profile);
  const envelope = buildEnvelope(ctx.config, profile, { tokenId, userId: old.username, seed, times });
  const { response, kStatus } = sealEnvelopeSync({ kind: 'renew', kStatusOld, tokenId: old.id }, { ...req, userId: old.username }, envelope);
  const row = {
    ...pendingTokenRow(ctx.masterKey, {
      id: tokenId,
      userId: old.user_id,
      profile: old.profile,
      settings: profile,
      activationId: null,
      renewsTokenId: old.id,
      deviceName: old.device_name,
      seed,
      kStatus,
      issuedAt: times.issuedAt,
      expiresAt: times.expiresAt,
    }),
    renews_token_id: old.id,
  };
  seed.fill(0);
  kStatus.fill(0);
  return { response, row };
}

export function renewRoute(app: FastifyInstance, ctx: AppContext): void {
  app.post('/renew', async (req) => renewToken(ctx, req.body, req.ip));
}
