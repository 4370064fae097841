import { describe, expect, it } from 'vitest';
import { utf8 } from '../core/bytes.ts';
import { generateTOTP, matchTOTP, type OTPAlgorithm } from '../core/totp.ts';
import { hotp, matchTOTPFast } from './totp-node.ts';

// RFC 6238 Appendix B: 8-digit codes, seeds of 20, 32 and 64 ASCII bytes.
const SEEDS: Record<OTPAlgorithm, Uint8Array> = {
  SHA1: utf8('12345678901234567890'),
  SHA256: utf8('12345678901234567890123456789012'),
  SHA512: utf8('1234567890123456789012345678901234567890123456789012345678901234'),
};
const VECTORS: Array<[number, OTPAlgorithm, string]> = [
  [59, 'SHA1', '94287082'],
  [59, 'SHA256', '46119246'],
  [59, 'SHA512', '90693936'],
  [1111111109, 'SHA1', '07081804'],
  [1234567890, 'SHA256', '91819424'],
  [2000000000, 'SHA512', '38618901'],
  [20000000000, 'SHA1', '65353130'],
];

describe('node:crypto TOTP', () => {
  it('gives the RFC 6238 vectors', () => {
    for (const [t, algorithm, code] of VECTORS) {
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
          expect(matchTOTPFast(params, generateTOTP(params, at + 60_000), at, 1)).toBeNull();
        }
      }
    }
  });

  it('refuses codes of the wrong length or with non-digits', () => {
    const params = { seed: new Uint8Array(20), algorithm: 'SHA1' as const, digits: 6, period: 30 };
    const code = generateTOTP(params, 1_764_370_800_000);
    expect(matchTOTPFast(params, `${code}0`, 1_764_370_800_000, 1)).toBeNull();
    expect(matchTOTPFast(params, code.replace(/^./, 'a'), 1_764_370_800_000, 1)).toBeNull();
  });
});
