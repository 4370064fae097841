/** What the popup may see of a token: its code and facts, never its seed. */
import { fromB64u } from '../core/bytes.ts';
import { daysLeft, DEFAULT_WARNING_DAYS, isExpired, reachedThresholds, renewalOpen } from '../core/expiry.ts';
import type { AccountState, AccountView } from '../core/messages.ts';
import { generateTOTP, timeStep } from '../core/totp.ts';
import type { TokenRecord } from '../core/vault.ts';
import { isExportable } from '../core/vault-backup.ts';

/** The seed to make codes with: plain ones always, PIN ones only when unlocked in this session. */
export function seedOf(token: TokenRecord, unlocked: Record<string, string>): Uint8Array | null {
  if (token.secret.type === 'plain') return fromB64u(token.secret.seed);
  const seed = unlocked[token.id];
  return typeof seed === 'string' ? fromB64u(seed) : null;
}

/**
 * The code of a token to use at `now` (ms): the current step's, or the next
 * step's while the current one is the step that confirmed the token (the
 * server refuses that code as a replay and accepts the next one a step early).
 * @see RFC 6238, docs/protocol.md §7
 */
export function currentCode(token: TokenRecord, seed: Uint8Array, now: number): { value: string; stepEndsAt: number; period: number } {
  const period = token.period;
  const current = timeStep(period, now);
  const used = token.server?.usedStep;
  const step = used === current ? current + 1 : current;
  return {
    value: generateTOTP({ seed, algorithm: token.algorithm, digits: token.digits, period }, step * period * 1000),
    stepEndsAt: (step + 1) * period * 1000,
    period,
  };
}

/**
 * The state to show and to offer on login pages: the server's last word,
 * `expired` as soon as the (server's) clock passes `expiresAt`, and
 * `renewing` while a renewal waits. Only `active` and `renewing` tokens and
 * pending ones make codes. @see docs/protocol.md §4–§6
 */
export function accountState(token: TokenRecord, serverNow: number): AccountState {
  const state = token.server?.state ?? 'active';
  if (state === 'revoked' || state === 'superseded' || state === 'expired') return state;
  if (!token.demo && isExpired(token.expiresAt, serverNow)) return 'expired';
  return token.renewal ? 'renewing' : state;
}

/** Whether a token in this state may make codes (the others are dead on the server). */
const makesCodes = (state: AccountState): boolean => state === 'active' || state === 'pending' || state === 'renewing';

export interface ViewOptions {
  /** Local clock + this = the server's (vault `clockOffsetMs`). */
  offsetMs?: number;
  /** The warning thresholds in force (the policy's, else 30, 14, 7, 1). */
  warningDays?: readonly number[];
}

/** How renewing looks for this token (see AccountView.renewal). */
function renewalOf(token: TokenRecord, state: AccountState, serverNow: number): AccountView['renewal'] {
  const server = token.server;
  if (!server) return undefined;
  if (state === 'expired') return 'portal';
  if (state === 'renewing') return 'retry';
  if (state !== 'active') return undefined;
  if (server.renewUrl === undefined) return 'portal';
  if (renewalOpen(server.renewOpensAt, token.expiresAt, serverNow)) return 'open';
  return server.renewOpensAt === undefined ? undefined : 'not_open';
}

/** The popup's view of one token; `now` is the local clock, codes and expiry are judged at the server's. */
export function accountView(token: TokenRecord, seed: Uint8Array | null, now: number, options: ViewOptions = {}): AccountView {
  const offset = options.offsetMs ?? 0;
  const serverNow = now + offset;
  const state = accountState(token, serverNow);
  const view: AccountView = {
    id: token.id,
    issuer: token.issuer,
    userId: token.userId,
    demo: token.demo,
    expiresAt: token.expiresAt,
    state,
    daysLeft: daysLeft(token.expiresAt, serverNow),
    pin: token.secret.type === 'pin',
    locked: seed === null,
    exportable: isExportable(token),
  };
  if (seed !== null && makesCodes(state)) {
    const code = currentCode(token, seed, serverNow);
    // The popup counts down on the local clock.
    view.code = { ...code, stepEndsAt: code.stepEndsAt - offset };
  }
  if (!token.demo && (state === 'active' || state === 'renewing' || state === 'expired')) {
    const warning = reachedThresholds(token.expiresAt, options.warningDays ?? DEFAULT_WARNING_DAYS, serverNow).at(-1);
    if (warning !== undefined) view.warningDays = warning;
  }
  const renewal = renewalOf(token, state, serverNow);
  if (renewal !== undefined) view.renewal = renewal;
  if (token.server?.renewOpensAt !== undefined) view.renewOpensAt = token.server.renewOpensAt;
  if (token.server) {
    view.portalUrl = token.server.portalUrl;
    view.loginOrigins = token.server.loginOrigins;
  }
  return view;
}
