/** Dates and times as French and English readers write them, for the popup and notifications. */

export type DateLang = 'fr' | 'en';

const locale = (lang: DateLang): string => (lang === 'fr' ? 'fr-CA' : 'en-CA');

/** « 1er décembre 2026 », "December 1, 2026" (French writes the first of the month 1er). */
export function longDate(iso: string | number, lang: DateLang): string {
  const text = new Intl.DateTimeFormat(locale(lang), { dateStyle: 'long' }).format(new Date(iso));
  return lang === 'fr' ? text.replace(/^1 /, '1er ') : text;
}

/** « 14 h 32 », "2:32 p.m.": a time of day on the local clock. */
export const clockTime = (ms: number, lang: DateLang): string => new Intl.DateTimeFormat(locale(lang), { hour: 'numeric', minute: '2-digit' }).format(new Date(ms));

/** A word in the plural the language wants for `n` (Intl.PluralRules: French « 0 jour », « 2 jours »). */
export const plural = (lang: DateLang, n: number, one: string, other: string): string => (new Intl.PluralRules(locale(lang)).select(n) === 'one' ? one : other);
