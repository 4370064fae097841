/** `POST /aotp/v1/renew`: a new pending token for an active one, in-band. @see PROTOCOL.md §6 */
import type { FastifyInstance } from 'fastify';
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { parseRenewRequest, type ProvisionResponse } from '../../../core/protocol/messages.ts';
import { checkRenewMac, newTokenSecrets, sealEnvelope } from '../../../core/protocol/server.ts';
import type { AppContext } from '../../context.ts';
import { audit } from '../../store/audit.ts';
import { recordLoginFailure, resetLoginFailures } from '../../store/login-guard.ts';
import { acceptStep, insertRenewal, kStatusContext, seedContext, tokenStatus } from '../../store/tokens.ts';
import { buildEnvelope, isoSeconds, renewOpensAt, SEED_BYTES, tokenTimes } from './envelope.ts';
import { authenticateToken, checkSkew, checkUserLock, invalidOtp, matchCode, noActiveToken } from './token-auth.ts';

/**
 * Renews a token. Checks in this order: clock, MAC, profile allows renewal,
 * token active and unexpired, renewal window open, user not locked, code
 * valid and not replayed (recorded as a use, §7). @see PROTOCOL.md §6
 */
export async function renewToken(ctx: AppContext, body: unknown, ip: string): Promise<ProvisionResponse> {
  const req = parseRenewRequest(body);
  const now = ctx.now();
  checkSkew(req.ts, now);
  const { token: old, profile, kStatus: kStatusOld } = await authenticateToken(ctx, req.tokenId, (kStatus) => checkRenewMac(kStatus, req));
  const entry = { username: old.username, ip };
  if (!profile.allowRenewal) throw new ProtocolError('renewal_disabled', 'Tokens of this profile are renewed through the portal.');
  if (tokenStatus(old, now) !== 'active') throw noActiveToken('Only an active, unexpired token can be renewed.');
  const opensAt = renewOpensAt(old.expires_at, profile);
  if (now < opensAt) {
    throw new ProtocolError('renewal_not_open', `Renewal opens on ${isoSeconds(opensAt)}.`, { renewOpensAt: isoSeconds(opensAt) });
  }
  checkUserLock(old, now);

  const step = matchCode(ctx, old, profile, req.otp, now);
  // Seal before using the code up: a client key off the curve is a 400 that costs nothing.
  const { tokenId, seed } = newTokenSecrets(SEED_BYTES[profile.algorithm]);
  const times = tokenTimes(now, profile);
  const envelope = buildEnvelope(ctx.config, profile, { tokenId, userId: old.username, seed, times });
  const sealed = step === null ? null : await sealEnvelope({ kind: 'renew', kStatusOld, tokenId: old.id }, { ...req, userId: old.username }, envelope);
  if (step === null || sealed === null || step <= old.last_step || !(await acceptStep(ctx, old.id, step))) {
    const failure = await recordLoginFailure(ctx, old.user_id, profile);
    await audit(ctx, failure.locked ? 'login.locked' : 'login.failed', { ...entry, detail: { via: 'renew', failures: failure.failures } });
    throw invalidOtp();
  }
  if (old.login_failures !== 0) await resetLoginFailures(ctx, old.user_id);

  await insertRenewal(ctx, {
    id: tokenId,
    user_id: old.user_id,
    profile: old.profile,
    activation_id: null,
    renews_token_id: old.id,
    device_name: old.device_name,
    seed: ctx.masterKey.sealSync(seed, seedContext(tokenId)),
    k_status: ctx.masterKey.sealSync(sealed.kStatus, kStatusContext(tokenId)),
    algorithm: profile.algorithm,
    digits: profile.digits,
    period: profile.period,
    state: 'pending',
    issued_at: times.issuedAt,
    expires_at: times.expiresAt,
    confirmed_at: null,
    revoked_at: null,
  });
  seed.fill(0);
  await audit(ctx, 'token.renewed', { ...entry, detail: { tokenId, renews: old.id } });
  return sealed.response;
}

export function renewRoute(app: FastifyInstance, ctx: AppContext): void {
  app.post('/renew', async (req) => renewToken(ctx, req.body, req.ip));
}
