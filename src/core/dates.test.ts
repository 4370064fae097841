import { describe, expect, it } from 'vitest';
import { longDate } from './dates.ts';

describe('longDate on the local clock', () => {
  // Noon local time, so no time zone moves the day.
  const noon = (year: number, month: number, day: number) => new Date(year, month, day, 12).getTime();

  it('writes what Intl writes for fr-CA and en-CA, every month, with « 1er » in French', () => {
    for (let month = 0; month < 12; month++) {
      for (const day of [1, 2, 28]) {
        const at = noon(2026, month, day);
        const intlFr = new Intl.DateTimeFormat('fr-CA', { dateStyle: 'long' }).format(at).replace(/^1 /, '1er ');
        const intlEn = new Intl.DateTimeFormat('en-CA', { dateStyle: 'long' }).format(at);
        expect(longDate(at, 'fr')).toBe(intlFr);
        expect(longDate(at, 'en')).toBe(intlEn);
      }
    }
    expect(longDate(noon(2026, 11, 1), 'fr')).toBe('1er décembre 2026');
    expect(longDate(noon(2027, 10, 28), 'en')).toBe('November 28, 2027');
  });

  it('reads an ISO date on the local clock, and a given time zone through Intl', () => {
    const iso = new Date(2027, 10, 28, 12).toISOString();
    expect(longDate(iso, 'fr')).toBe('28 novembre 2027');
    // 2025-12-01T03:00Z is still November 30 in Quebec.
    expect(longDate('2025-12-01T03:00:00Z', 'fr', 'America/Toronto')).toBe('30 novembre 2025');
    expect(longDate('2025-12-01T17:00:00Z', 'fr', 'America/Toronto')).toBe('1er décembre 2025');
  });
});
