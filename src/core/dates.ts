/**
 * Dates, times and counts as French and English readers write them: one
 * formatter for the popup, the notifications, the portal and the e-mails.
 * Nothing here reads the clock.
 */

export type DateLang = 'fr' | 'en';

const locale = (lang: DateLang): string => (lang === 'fr' ? 'fr-CA' : 'en-CA');

/** French writes the first of the month « 1er »: Intl does not. */
const premier = (lang: DateLang, text: string): string => (lang === 'fr' ? text.replace(/^1 /, '1er ') : text);

const format = (at: string | number, lang: DateLang, options: Intl.DateTimeFormatOptions, timeZone: string | undefined): string =>
  premier(lang, new Intl.DateTimeFormat(locale(lang), timeZone === undefined ? options : { ...options, timeZone }).format(new Date(at)));

const MONTHS: Record<DateLang, readonly string[]> = {
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};

/**
 * « 1er décembre 2026 », "December 1, 2026": in `timeZone`, or the local one.
 * On the local clock it is written from the date's own fields: a page's first
 * Intl date or number format loads the locale data (about 20 ms in a fresh
 * page), and the popup's first frame shows these dates. The words are Intl's
 * own for fr-CA and en-CA (a test compares every month).
 */
export function longDate(at: string | number, lang: DateLang, timeZone?: string): string {
  if (timeZone !== undefined) return format(at, lang, { dateStyle: 'long' }, timeZone);
  const date = new Date(at);
  const [day, month, year] = [date.getDate(), MONTHS[lang][date.getMonth()]!, date.getFullYear()];
  return lang === 'fr' ? `${day === 1 ? '1er' : day} ${month} ${year}` : `${month} ${day}, ${year}`;
}

/** « 1er décembre 2026 à 18 h 00 », "December 1, 2026 at 6:00 p.m.": in `timeZone`, or the local one. */
export const longDateTime = (at: string | number, lang: DateLang, timeZone?: string): string =>
  format(at, lang, { dateStyle: 'long', timeStyle: 'short' }, timeZone);

/** « 14 h 32 », "2:32 p.m.": a time of day on the local clock. */
export const clockTime = (ms: number, lang: DateLang): string => new Intl.DateTimeFormat(locale(lang), { hour: 'numeric', minute: '2-digit' }).format(new Date(ms));

/** A word in the plural the language wants for `n` (Intl.PluralRules: French « 0 jour », « 1 jour », « 2 jours »). */
export const plural = (lang: DateLang, n: number, one: string, other: string): string => (new Intl.PluralRules(locale(lang)).select(n) === 'one' ? one : other);

/** A count and its word, kept on one line: « 2 essais », "1 day". */
export const count = (lang: DateLang, n: number, one: string, other: string): string => `${n}\u00a0${plural(lang, n, one, other)}`;
