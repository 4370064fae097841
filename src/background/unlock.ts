/**
 * Unlocking a PIN token: the PIN always "works" offline (camouflage), so the
 * background checks it online right after (PROTOCOL §5 with `otp`): a code the
 * server rejects means a wrong PIN, and the token locks again. When the
 * server cannot answer, the token stays unlocked and the popup says the PIN
 * could not be checked.
 */
import { b64u, fromB64u } from '../core/bytes.ts';
import { JetonError } from '../core/errors.ts';
import { status } from '../core/protocol/client.ts';
import { ProtocolError } from '../core/protocol/errors.ts';
import type { StatusResponse } from '../core/protocol/messages.ts';
import type { ResponseOf } from '../core/messages.ts';
import { generateTOTP } from '../core/totp.ts';
import type { TokenRecord } from '../core/vault.ts';
import { openSeedWithPin } from '../core/vault-pin.ts';
import { touchAutoLock } from './auto-lock.ts';
import type { Deps } from './deps.ts';
import { confirmToken } from './provisioning.ts';

type UnlockResult = ResponseOf<'account.unlock'>;

const codeAt = (token: TokenRecord, seed: Uint8Array, ms: number): string =>
  generateTOTP({ seed, algorithm: token.algorithm, digits: token.digits, period: token.period }, ms);

/** §5 with the code; on `clock_skew`, once more at the server's time (the code must match its clock too). */
async function statusWithCode(deps: Deps, token: TokenRecord, seed: Uint8Array): Promise<StatusResponse> {
  const server = token.server!;
  const ref = { tokenId: server.tokenId, statusUrl: server.statusUrl, kStatus: fromB64u(server.kStatus) };
  const now = deps.now();
  try {
    return await status(deps.fetch, ref, now, codeAt(token, seed, now));
  } catch (err) {
    const serverTime = err instanceof ProtocolError && err.code === 'clock_skew' ? err.details.serverTime : undefined;
    if (typeof serverTime !== 'number') throw err;
    return status(deps.fetch, ref, serverTime * 1000, codeAt(token, seed, serverTime * 1000));
  }
}

/** Unlocks a PIN token for this session, then checks the PIN online. Throws `pin_incorrect` when the server says so. */
export async function unlockAccount(deps: Deps, id: string, pin: string): Promise<UnlockResult> {
  const token = (await deps.vault.read()).tokens.find((t) => t.id === id);
  if (!token) throw new JetonError('not_found', 'No such token.');
  if (token.secret.type !== 'pin') return { pinCheck: 'valid' };
  const seed = await openSeedWithPin(token.secret, pin);
  await deps.session.setUnlocked(id, b64u(seed));
  await touchAutoLock(deps);
  if (!token.server) return { pinCheck: 'unchecked' };
  try {
    if (token.server.state === 'pending') {
      // Not confirmed yet: confirming is the check (a wrong code is `invalid_otp`).
      await confirmToken(deps, token, seed);
      return { pinCheck: 'valid' };
    }
    const answer = await statusWithCode(deps, token, seed);
    if (answer.status !== 'active') return { pinCheck: 'unchecked', reason: `token_${answer.status}` };
    if (answer.otpValid === false) throw new JetonError('pin_incorrect', 'PIN incorrect.');
    if (typeof answer.expiresAt === 'string' && answer.expiresAt !== token.expiresAt && !Number.isNaN(Date.parse(answer.expiresAt))) {
      await deps.vault.update((v) => ({ ...v, tokens: v.tokens.map((t) => (t.id === id ? { ...t, expiresAt: answer.expiresAt } : t)) }));
    }
    return { pinCheck: 'valid' };
  } catch (err) {
    const wrong = (err instanceof JetonError && err.code === 'pin_incorrect') || (err instanceof ProtocolError && err.code === 'invalid_otp');
    if (wrong) {
      await deps.session.forget(id);
      throw new JetonError('pin_incorrect', 'PIN incorrect.');
    }
    if (err instanceof JetonError) return { pinCheck: 'unchecked', reason: err.code };
    throw err;
  }
}
