import { describe, expect, it } from 'vitest';
import { daysLeft } from '../core/expiry.ts';
import { attempts, formatDate, minutes, pickLang, t } from './i18n.ts';

describe('pickLang', () => {
  it.each([
    [undefined, undefined, 'fr'],
    ['en', 'fr-CA', 'en'],
    ['de', 'en-US,en;q=0.9', 'en'],
    [undefined, 'fr-CA,fr;q=0.9,en;q=0.8', 'fr'],
    [undefined, 'de-DE,en;q=0.5,fr;q=0.4', 'en'],
    [undefined, 'en;q=0.2,fr;q=0.8', 'fr'],
    [undefined, 'en;q=0', 'fr'],
    [undefined, 'zh, *;q=0.1', 'fr'],
    [undefined, ';;;,q=,en;q=abc', 'en'], // an unreadable weight counts as 1
  ])('?lang=%s with Accept-Language %s → %s', (query, accept, expected) => {
    expect(pickLang(query, accept)).toBe(expected);
  });
});

describe('t', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(t('fr', 'verify.wrong', { left: attempts('fr', 2) })).toBe('Réponse incorrecte. Il vous reste 2\u00a0essais avant un blocage de 15 minutes.');
    expect(attempts('fr', 1)).toBe('1\u00a0essai');
    expect(attempts('en', 1)).toBe('1\u00a0attempt');
    expect(attempts('en', 0)).toBe('0\u00a0attempts');
    expect(attempts('fr', 0)).toBe('0\u00a0essai');
    expect(minutes('fr', 15)).toBe('15\u00a0minutes');
    expect(minutes('fr', 1)).toBe('1\u00a0minute');
    expect(t('en', 'menu.hello')).toBe('Identity confirmed: {username}');
  });
});

describe('dates', () => {
  it('writes Quebec dates, with "1er" in French', () => {
    expect(formatDate('fr', Date.UTC(2026, 11, 1, 12))).toBe('1er décembre 2026');
    expect(formatDate('en', Date.UTC(2026, 11, 1, 12))).toBe('December 1, 2026');
    // 02:00 UTC is still the previous evening in Quebec.
    expect(formatDate('fr', Date.UTC(2026, 11, 2, 2))).toBe('1er décembre 2026');
    expect(daysLeft(10 * 86_400_000 + 1, 0)).toBe(11);
    expect(daysLeft(0, 1)).toBe(0);
  });
});
