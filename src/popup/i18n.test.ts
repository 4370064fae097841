import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../core/errors.ts';
import { SERVER_ERRORS } from '../core/protocol/errors.ts';
import { daysLeft, formatDate, groupDigits, portalOf, secondsLeft } from './format.ts';
import { dict, errorText, resolveLanguage } from './i18n.ts';

describe('resolveLanguage', () => {
  it('follows the browser unless the user chose', () => {
    expect(resolveLanguage('browser', 'fr-CA')).toBe('fr');
    expect(resolveLanguage('browser', 'FR')).toBe('fr');
    expect(resolveLanguage('browser', 'en-US')).toBe('en');
    expect(resolveLanguage('browser', 'es-MX')).toBe('en');
    expect(resolveLanguage('en', 'fr-CA')).toBe('en');
    expect(resolveLanguage('fr', 'en-US')).toBe('fr');
  });
});

describe('error sentences', () => {
  // Every code the popup can meet while adding or unlocking a token.
  const codes: ErrorCode[] = [
    'code_length',
    'code_checksum',
    'invalid_user_id',
    'invalid_url',
    'insecure_url',
    'invalid_link',
    'invalid_activation_code',
    'activation_expired',
    'activation_used',
    'activation_locked',
    'server_unreachable',
    'server_unproven',
    'bad_response',
    'bad_envelope',
    'rate_limited',
    'pin_incorrect',
    'pin_too_short',
    'pin_mismatch',
    // Refusals of the organisation's policy.
    'login_origin_not_allowed',
    'managed_setting',
    'demo_disabled',
  ];

  it('has a French and an English sentence for each, and the same codes in both', () => {
    expect(Object.keys(dict('fr').errors).sort()).toEqual(Object.keys(dict('en').errors).sort());
    for (const code of codes) {
      expect(dict('fr').errors[code], code).toBeTruthy();
      expect(dict('en').errors[code], code).toBeTruthy();
    }
    expect(errorText(dict('fr'), { code: 'pin_incorrect' })).toBe('NIP incorrect.');
    expect(errorText(dict('en'), { code: 'pin_incorrect' })).toBe('PIN incorrect.');
  });

  it('never reveals whether the user exists', () => {
    expect(dict('fr').errors.invalid_activation_code).toMatch(/code d’activation ou le nom d’utilisateur/);
  });

  it('falls back to a generic sentence for any server code it does not know', () => {
    for (const code of Object.keys(SERVER_ERRORS)) expect(errorText(dict('fr'), { code })).toBeTruthy();
    expect(errorText(dict('en'), { code: 'something_new' })).toBe('Something went wrong.');
  });
});

describe('format', () => {
  const now = Date.parse('2026-11-28T23:00:00Z');

  it('counts days left up, 0 or less once expired', () => {
    expect(daysLeft('2027-11-28T23:00:00Z', now)).toBe(365);
    expect(daysLeft('2026-11-29T22:59:59Z', now)).toBe(1);
    expect(daysLeft('2026-11-28T23:00:00Z', now)).toBe(0);
    expect(daysLeft('2026-11-27T22:59:59Z', now)).toBe(-1);
  });

  it('writes dates the way each language does', () => {
    expect(formatDate('2027-11-28T23:00:00Z', 'fr')).toMatch(/novembre 2027/);
    expect(formatDate('2027-11-28T23:00:00Z', 'en')).toMatch(/November/);
    expect(formatDate('2026-12-01T12:00:00Z', 'fr')).toBe('1er décembre 2026');
    expect(formatDate('2026-12-02T12:00:00Z', 'fr')).toBe('2 décembre 2026');
  });

  it('groups codes and counts seconds', () => {
    expect(groupDigits('123456')).toBe('123 456');
    expect(groupDigits('12345678')).toBe('1234 5678');
    expect(groupDigits('1234567')).toBe('1234 567');
    expect(secondsLeft(now + 17_001, now)).toBe(18);
    expect(secondsLeft(now - 5, now)).toBe(0);
  });

  it('finds the portal of a server', () => {
    expect(portalOf('https://teleacces.example/aotp/v1/provision?profile=x')).toBe('https://teleacces.example/virtuel');
    expect(portalOf('javascript:alert(1)')).toBeNull();
    expect(portalOf('nonsense')).toBeNull();
  });
});

describe('expiry and lockout sentences', () => {
  it('says days with real plurals, in both languages', () => {
    expect(dict('fr').expires('1er décembre 2026', 1)).toBe('Expire le 1er décembre 2026 (dans 1 jour)');
    expect(dict('fr').expires('8 décembre 2026', 7)).toBe('Expire le 8 décembre 2026 (dans 7 jours)');
    expect(dict('fr').expires('1er décembre 2026', 0)).toBe('Expiré le 1er décembre 2026');
    expect(dict('en').warning(1)).toBe('This token expires in 1 day.');
    expect(dict('fr').warning(14)).toBe('Ce jeton expire dans 14 jours.');
  });

  it('words the tries left and the lockout’s end from the background’s details', () => {
    expect(errorText(dict('fr'), { code: 'pin_incorrect', details: { failuresLeft: 2 } })).toBe('NIP incorrect — 2 essais restants avant un blocage temporaire de la connexion');
    expect(errorText(dict('fr'), { code: 'pin_incorrect', details: { failuresLeft: 1, lockoutSeconds: 900 } })).toBe('NIP incorrect — 1 essai restant avant un blocage de 15 minutes');
    expect(errorText(dict('fr'), { code: 'pin_incorrect', details: { failuresLeft: 3, lockoutSeconds: 60 } })).toBe('NIP incorrect — 3 essais restants avant un blocage de 1 minute');
    expect(errorText(dict('en'), { code: 'pin_incorrect', details: { failuresLeft: 1 } })).toBe('PIN incorrect — 1 try left before logins are blocked for a while');
    expect(errorText(dict('fr'), { code: 'pin_incorrect' })).toBe('NIP incorrect.');
    const at = new Date(2026, 11, 1, 14, 32).getTime(); // local time, as the popup shows it
    expect(errorText(dict('fr'), { code: 'login_locked', details: { lockedUntil: at } })).toMatch(/^Connexion bloquée jusqu’à 14 h 32 /);
    expect(errorText(dict('fr'), { code: 'login_locked' })).toMatch(/^Connexion bloquée après trop d’essais/);
  });
});
