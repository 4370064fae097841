/** Pure formatting for the popup (tested in Node). */
import { longDate } from '../core/dates.ts';
import type { Lang } from './i18n.ts';

/** Days left, counted up (core/expiry.ts, the one place for it); 0 or less once expired. */
export { daysLeft } from '../core/expiry.ts';

/** A date as people of that language write it: « 1er décembre 2027 », "November 28, 2027". */
export const formatDate = (iso: string, lang: Lang): string => longDate(iso, lang);

/** Seconds left before the code changes, never below 0. */
export const secondsLeft = (stepEndsAt: number, now: number): number => Math.max(0, Math.ceil((stepEndsAt - now) / 1000));

/** Groups a code for reading: "123 456", "1234 5678", "1234 567" (the popup has no TOTP library). */
export function groupDigits(code: string): string {
  const cut = code.length === 6 ? 3 : 4;
  return `${code.slice(0, cut)} ${code.slice(cut)}`;
}

/** The portal of a server: `<server origin>/virtuel`, or null if the URL is not one. */
export function portalOf(serverUrl: string): string | null {
  try {
    const url = new URL(serverUrl.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? `${url.origin}/virtuel` : null;
  } catch {
    return null;
  }
}
