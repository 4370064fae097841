/** What the popup may see of a token: its code and facts, never its seed. */
import { fromB64u } from '../core/bytes.ts';
import type { AccountView } from '../core/messages.ts';
import { generateTOTP, msUntilNextStep } from '../core/totp.ts';
import type { TokenRecord } from '../core/vault.ts';
import { isExportable } from '../core/vault-backup.ts';

/** The seed to make codes with: plain ones always, PIN ones only when unlocked in this session. */
export function seedOf(token: TokenRecord, unlocked: Record<string, string>): Uint8Array | null {
  if (token.secret.type === 'plain') return fromB64u(token.secret.seed);
  const seed = unlocked[token.id];
  return typeof seed === 'string' ? fromB64u(seed) : null;
}

/** The current code of a token at `now` (ms). @see RFC 6238 */
export function currentCode(token: TokenRecord, seed: Uint8Array, now: number): { value: string; stepEndsAt: number; period: number } {
  return {
    value: generateTOTP({ seed, algorithm: token.algorithm, digits: token.digits, period: token.period }, now),
    stepEndsAt: now + msUntilNextStep(token.period, now),
    period: token.period,
  };
}

/** The popup's view of one token. */
export function accountView(token: TokenRecord, seed: Uint8Array | null, now: number): AccountView {
  const view: AccountView = {
    id: token.id,
    issuer: token.issuer,
    userId: token.userId,
    demo: token.demo,
    expiresAt: token.expiresAt,
    state: token.server?.state ?? 'active',
    pin: token.secret.type === 'pin',
    locked: seed === null,
    exportable: isExportable(token),
  };
  if (seed !== null) view.code = currentCode(token, seed, now);
  if (token.server) {
    view.portalUrl = token.server.portalUrl;
    view.loginOrigins = token.server.loginOrigins;
  }
  return view;
}
