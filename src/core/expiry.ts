/**
 * Expiry arithmetic, in one place for the extension (badge, notifications,
 * popup) and the server (reminder e-mails): days left, thresholds reached,
 * and the clock correction from a server's `serverTime`. Nothing here reads
 * the clock: every function takes `now` (epoch ms).
 * @see docs/protocol.md §5, §6
 */

export const DAY_MS = 86_400_000;

/** The warning thresholds (days before expiry) when the organisation sets none. */
export const DEFAULT_WARNING_DAYS: readonly number[] = [30, 14, 7, 1];

/** At or below this many days left the badge turns red (orange before). */
export const URGENT_DAYS = 7;

/** A clock further than this from the server's is corrected, and the popup says so above SKEW_NOTICE_MS. */
const SKEW_TOLERANCE_MS = 2_000;
const SKEW_NOTICE_MS = 30_000;

/**
 * Days left before `expiresAt`, counted up: 9 days and 1 hour is 10 days, as a
 * person reading the date would say, and as the reminders count (a threshold
 * of `d` days is reached when at most `d` are left). 0 or less: expired. The
 * one rule for the popup, the badge, the portal and the e-mails.
 */
export function daysLeft(expiresAt: number | string, now: number): number {
  const at = typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt;
  return Math.ceil((at - now) / DAY_MS) + 0; // + 0 turns -0 (less than a day past) into 0
}

/** True once `expiresAt` has passed. */
export const isExpired = (expiresAt: number | string, now: number): boolean => (typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt) <= now;

/**
 * The thresholds reached at `now`, largest first, the most urgent last; `[0]`
 * once expired. A threshold `d` is reached when at most `d` days are left.
 */
export function reachedThresholds(expiresAt: number | string, thresholds: readonly number[], now: number): number[] {
  const at = typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt;
  if (at <= now) return [0];
  return [...new Set(thresholds)].sort((a, b) => b - a).filter((d) => at - now <= d * DAY_MS);
}

/**
 * The warning to give now, if any: the most urgent threshold reached that was
 * not given before (`given`), and every threshold reached (to remember them
 * all: thresholds passed while the browser was closed are not warned about
 * one by one). `null` when there is nothing new.
 */
export function dueWarning(expiresAt: number | string, thresholds: readonly number[], given: readonly number[], now: number): { days: number; reached: number[] } | null {
  const reached = reachedThresholds(expiresAt, thresholds, now);
  const most = reached.at(-1);
  if (most === undefined || given.includes(most)) return null;
  return { days: most, reached };
}

/**
 * The offset to add to the local clock to get the server's, from a §5 answer's
 * `serverTime` (whole seconds) seen at local `now`. Within SKEW_TOLERANCE_MS it
 * is 0: `serverTime` is rounded down to the second and the answer took time to
 * come, so a smaller gap is noise, not skew.
 * @see docs/protocol.md §5 "Clients use serverTime to warn about, and correct for, a skewed clock"
 */
export function clockOffset(serverTime: number, now: number): number {
  // The server's second started somewhere in [serverTime, serverTime + 1): take the middle.
  const offset = serverTime * 1000 + 500 - now;
  return Math.abs(offset) <= SKEW_TOLERANCE_MS ? 0 : Math.round(offset);
}

/** Whether the popup should tell the user their clock is off. */
export const skewWorthSaying = (offsetMs: number): boolean => Math.abs(offsetMs) > SKEW_NOTICE_MS;

/** Whether renewal is open at `now` (server time): `renewOpensAt` known and passed, token not expired. @see docs/protocol.md §6 */
export function renewalOpen(renewOpensAt: string | undefined, expiresAt: string, now: number): boolean {
  if (renewOpensAt === undefined) return false;
  return Date.parse(renewOpensAt) <= now && !isExpired(expiresAt, now);
}
