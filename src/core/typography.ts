/**
 * French typography the words of Jeton share: elision before a vowel, and a
 * narrow no-break space (U+202F) before « : ; ? ! » and inside « », so a line
 * never starts with the sign.
 */

const NARROW_NBSP = '\u202f';

/** « de format01 », « d’inf02 »: the preposition, elided before a vowel. */
export const de = (word: string): string => (/^[aeiouyàâäéèêëîïôöùûüœæ]/i.test(word) ? `d’${word}` : `de ${word}`);

/**
 * The same text with the spaces French puts before `: ; ? !` and `»` and after
 * `«` made narrow and unbreakable. Only a space already there is changed:
 * "https://" or "otp://p?" keep theirs as they are.
 */
export const frenchSpacing = (text: string): string => text.replace(/[ \u00a0]([:;?!»])/g, `${NARROW_NBSP}$1`).replace(/«[ \u00a0]/g, `«${NARROW_NBSP}`);

/** A catalogue of French words with French spacing: each string, and each string a function of it returns. */
export function withFrenchSpacing<T>(catalogue: T): T {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return frenchSpacing(value);
    if (typeof value === 'function') return (...args: unknown[]) => frenchSpacing(String((value as (...a: unknown[]) => unknown)(...args)));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, walk(v)]));
    return value;
  };
  return walk(catalogue) as T;
}
