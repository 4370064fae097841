/**
 * Unlocking a PIN token: the PIN always "works" offline (camouflage), so the
 * background checks it online right after (PROTOCOL §5 with `otp`): a code the
 * server rejects means a wrong PIN, and the token locks again; the server
 * says how many tries are left before the lockout (`failuresLeft`), and when
 * the user is locked (`locked`, `retryAfter`, or `423 locked` from servers
 * before that extension), the token stays locked and the popup says until
 * when. When the server cannot answer, the token stays unlocked and the popup
 * says the PIN could not be checked, and why (unreachable, or otherwise).
 */
import { b64u } from '../core/bytes.ts';
import { JetonError } from '../core/errors.ts';
import type { ResponseOf } from '../core/messages.ts';
import { PinCheckError } from '../core/pin-check.ts';
import { ProtocolError } from '../core/protocol/errors.ts';
import type { StatusResponse } from '../core/protocol/messages.ts';
import { generateTOTP } from '../core/totp.ts';
import type { TokenRecord } from '../core/vault.ts';
import { openSeedWithPin } from '../core/vault-pin.ts';
import { touchAutoLock } from './auto-lock.ts';
import type { Deps } from './deps.ts';
import { confirmToken } from './provisioning.ts';
import { askStatus, withStatus } from './status.ts';

type UnlockResult = ResponseOf<'account.unlock'>;

/** §5's additive fields of the online PIN check, read as optional (older servers leave them out). */
type CheckedStatus = StatusResponse & { locked?: unknown; retryAfter?: unknown; failuresLeft?: unknown; lockoutSeconds?: unknown };

const codeAt = (token: TokenRecord, seed: Uint8Array, ms: number): string =>
  generateTOTP({ seed, algorithm: token.algorithm, digits: token.digits, period: token.period }, ms);

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

/** The lockout as an error the popup words « Connexion bloquée jusqu'à 14 h 32 ». */
function lockedError(deps: Deps, retryAfter: unknown): PinCheckError {
  const seconds = count(retryAfter);
  return new PinCheckError(
    'login_locked',
    'Too many wrong codes: logins are blocked for a while.',
    seconds === undefined ? {} : { retryAfter: seconds, lockedUntil: deps.now() + seconds * 1000 },
  );
}

/** Unlocks a PIN token for this session, then checks the PIN online. Throws `pin_incorrect` or `login_locked` when the server says so. */
export async function unlockAccount(deps: Deps, id: string, pin: string): Promise<UnlockResult> {
  const vault = await deps.vault.read();
  const token = vault.tokens.find((t) => t.id === id);
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
    const otpAt = (ms: number) => codeAt(token, seed, ms);
    const { answer, offsetMs } = await askStatus(deps, token.server, vault.clockOffsetMs, otpAt);
    const checked = answer as CheckedStatus;
    const at = deps.now();
    await deps.vault.update((v) => ({ ...v, clockOffsetMs: offsetMs, tokens: v.tokens.map((t) => (t.id === id ? withStatus(t, answer, at) : t)) }));
    if (checked.locked === true) throw lockedError(deps, checked.retryAfter);
    if (answer.status !== 'active') return { pinCheck: 'unchecked', reason: `token_${answer.status}` };
    if (answer.otpValid === false) {
      const left = count(checked.failuresLeft);
      if (left === 0) {
        // That try locked the user: ask once more (a locked user's code is neither checked nor counted) to learn until when.
        const again = (await askStatus(deps, token.server, offsetMs, otpAt).catch((err: unknown) => {
          if (err instanceof ProtocolError && err.code === 'locked') throw lockedError(deps, err.details.retryAfter);
          return null;
        })) as { answer: CheckedStatus } | null;
        throw lockedError(deps, again?.answer.locked === true ? again.answer.retryAfter : undefined);
      }
      const lockout = count(checked.lockoutSeconds);
      throw new PinCheckError('pin_incorrect', 'PIN incorrect.', left === undefined ? {} : { failuresLeft: left, ...(lockout ? { lockoutSeconds: lockout } : {}) });
    }
    return { pinCheck: 'valid' };
  } catch (caught) {
    const err = caught instanceof ProtocolError && caught.code === 'locked' ? lockedError(deps, caught.details.retryAfter) : caught;
    const wrong = err instanceof PinCheckError || (err instanceof JetonError && err.code === 'pin_incorrect') || (err instanceof ProtocolError && err.code === 'invalid_otp');
    if (wrong) {
      // Wrong PIN or locked: the token locks again and shows no code.
      await deps.session.forget(id);
      throw err instanceof PinCheckError ? err : new PinCheckError('pin_incorrect', 'PIN incorrect.');
    }
    if (err instanceof JetonError) return { pinCheck: 'unchecked', reason: err.code };
    throw err;
  }
}
