import { describe, expect, it } from 'vitest';
import { generateTOTP, matchTOTP } from '../core/totp.ts';
import { hotp, matchTOTPFast } from './totp-node.ts';
import { RFC6238_SEEDS, RFC6238_VECTORS } from '../testing/rfc6238.ts';

const SEEDS = RFC6238_SEEDS;

describe('node:crypto TOTP', () => {
  it('gives the RFC 6238 vectors', () => {
    for (const [t, algorithm, code] of RFC6238_VECTORS) {
      expect(hotp({ seed: SEEDS[algorithm], algorithm, digits: 8 }, Math.floor(t / 30))).toBe(code);
    }
  });

  it('agrees with the core (otpauth) on codes and matches, for every algorithm and length', () => {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      for (const digits of [6, 7, 8]) {
        const params = { seed: crypto.getRandomValues(new Uint8Array(32)), algorithm, digits, period: 30 };
        for (const at of [30_000, 1_764_370_800_000, 1_764_370_829_999]) {
          const code = generateTOTP(params, at);
          expect(matchTOTPFast(params, code, at, 1)).toBe(matchTOTP(params, code, at, 1));
          expect(matchTOTPFast(params, generateTOTP(params, at - 30_000), at, 1)).toBe(matchTOTP(params, generateTOTP(params, at - 30_000), at, 1));
          expect(matchTOTPFast(params, generateTOTP(params, at + 30_000), at, 1)).toBe(Math.floor(at / 30_000) + 1);
          expect(matchTOTPFast(params, generateTOTP(params, at + 60_000), at, 1)).toBeNull();
        }
      }
    }
  });

  it('gives the current step when a code is also an earlier one, as the core does', () => {
    const params = { seed: RFC6238_SEEDS.SHA1, algorithm: 'SHA1' as const, digits: 1, period: 30 };
    const at = 1_111_111_109_000;
    const code = hotp(params, Math.floor(at / 30_000));
    const back = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((d) => hotp(params, Math.floor(at / 30_000) - d) === code)!;
    expect(back).toBeDefined();
    expect(matchTOTPFast(params, code, at, back)).toBe(Math.floor(at / 30_000));
    expect(matchTOTPFast(params, code, at, back)).toBe(matchTOTP(params, code, at, back));
  });

  it('refuses codes of the wrong length or with non-digits', () => {
    const params = { seed: new Uint8Array(20), algorithm: 'SHA1' as const, digits: 6, period: 30 };
    const code = generateTOTP(params, 1_764_370_800_000);
    expect(matchTOTPFast(params, `${code}0`, 1_764_370_800_000, 1)).toBeNull();
    expect(matchTOTPFast(params, code.replace(/^./, 'a'), 1_764_370_800_000, 1)).toBeNull();
  });
});
