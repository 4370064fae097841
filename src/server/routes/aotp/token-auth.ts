/** What confirm, status and renew share: finding a token by its MAC, the user's lock, code matching. @see docs/protocol.md §4–§6 */
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { matchTOTPFast } from '../../totp-node.ts';
import { profileOf, type Profile } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import type { Token } from '../../db/schema.ts';
import { lockRemaining } from '../../store/login-guard.ts';
import { discardPendingToken } from '../../store/tokens/confirm.ts';
import { findToken } from '../../store/tokens/find.ts';
import { kStatusContext, pendingDeadline, seedContext, type TokenWithUser } from '../../store/tokens/row.ts';
import { hitRateLimit, type Bucket } from '../../store/rate-limits.ts';
import { writes } from '../../store/write-queue.ts';

/** Maximum distance between a request's `ts` and the server's clock. @see docs/protocol.md §5 */
const MAX_SKEW_SECONDS = 300;

const invalidMac = (): ProtocolError => new ProtocolError('invalid_mac', 'The request is not signed by a token this server knows.');
export const invalidOtp = (): ProtocolError => new ProtocolError('invalid_otp', 'The code is wrong.');
export const noActiveToken = (message: string): ProtocolError => new ProtocolError('no_active_token', message);

/** `400 clock_skew` with the server's time when `ts` is more than 300 s away. @see docs/protocol.md §5 */
export function checkSkew(ts: number, now: number): void {
  const serverTime = Math.floor(now / 1000);
  if (Math.abs(ts - serverTime) > MAX_SKEW_SECONDS) {
    throw new ProtocolError('clock_skew', "The device's clock is more than 5 minutes away from the server's.", { serverTime });
  }
}

/**
 * Finds the token and checks the request's MAC under its K_status: an unknown
 * token and a wrong MAC are the same `401 invalid_mac`. A pending token past
 * its confirmation window is discarded here and counts as unknown.
 */
export async function authenticateToken(
  ctx: AppContext,
  tokenId: string,
  check: (kStatus: Uint8Array) => boolean,
  limit: { bucket: Bucket; ip: string },
): Promise<{ token: TokenWithUser; profile: Profile; kStatus: Uint8Array }> {
  const { token, kStatus } = await findAuthenticToken(ctx, tokenId, check, limit);
  const profile = profileOf(ctx, token.profile);
  await admitToken(ctx, token, profile, limit);
  return { token, profile, kStatus };
}

/**
 * The first half of `authenticateToken`: finds the token and checks the MAC.
 * A request that is not authentic is counted against the address and
 * answered `401 invalid_mac`; an authentic one is not counted yet (see `admitToken`).
 */
export async function findAuthenticToken(
  ctx: AppContext,
  tokenId: string,
  check: (kStatus: Uint8Array) => boolean,
  limit: { bucket: Bucket; ip: string },
): Promise<{ token: TokenWithUser; kStatus: Uint8Array }> {
  const token = await findToken(ctx, tokenId);
  const kStatus = token ? ctx.masterKey.openSync(token.k_status, kStatusContext(token.id)) : null;
  if (token !== undefined && kStatus !== null && check(kStatus)) return { token, kStatus };
  await checkRateLimit(ctx, limit.bucket, limit.ip, null);
  throw invalidMac();
}

/**
 * The second half: counts an authentic request against the address and the
 * user, and discards a pending token past its confirmation window (then `401 invalid_mac`).
 */
export async function admitToken(ctx: AppContext, token: TokenWithUser, profile: Profile, limit: { bucket: Bucket; ip: string }): Promise<void> {
  await checkRateLimit(ctx, limit.bucket, limit.ip, token.username);
  if (isPastDeadline(ctx, token, profile)) {
    await writes(ctx).run((tx) => discardPendingToken(tx, token.id));
    throw invalidMac();
  }
}

/** Whether a pending token's confirmation window is over. */
export const isPastDeadline = (ctx: AppContext, token: TokenWithUser, profile: Profile): boolean =>
  token.state === 'pending' && pendingDeadline(token, profile) <= ctx.now();

/** `429 rate_limited` with `retryAfter`. @see docs/protocol.md §1 */
export const rateLimited = (retryAfter: number): ProtocolError => new ProtocolError('rate_limited', 'Too many requests: try again later.', { retryAfter });

/** `429 rate_limited` with `retryAfter` when the address or the user has sent too many requests. @see docs/protocol.md §1 */
export async function checkRateLimit(ctx: AppContext, bucket: Bucket, ip: string, user: string | null): Promise<void> {
  const wait = await hitRateLimit(ctx, bucket, { ip, user });
  if (wait !== null) throw rateLimited(wait);
}

/** `423 locked` with `retryAfter` when the token's user is locked out. @see docs/protocol.md §7 */
export function checkUserLock(user: { login_locked_until: number | null }, now: number): void {
  const retryAfter = lockRemaining(user, now);
  if (retryAfter !== null) throw lockedError(retryAfter);
}

/** The `423 locked` error. @see docs/protocol.md §7 */
export const lockedError = (retryAfter: number): ProtocolError => new ProtocolError('locked', 'Too many wrong codes: try again later.', { retryAfter });

/** The time step `otp` matches for this token within the profile's window, or null. */
export function matchCode(ctx: AppContext, token: Token, profile: Pick<Profile, 'window'>, otp: string, now: number): number | null {
  const seed = ctx.masterKey.openSync(token.seed, seedContext(token.id));
  try {
    return matchTOTPFast({ seed, algorithm: token.algorithm, digits: token.digits, period: token.period }, otp, now, profile.window);
  } finally {
    seed.fill(0);
  }
}
