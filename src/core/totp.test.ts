import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes.ts';
import { generateTOTP, matchTOTP, timeStep, type OTPAlgorithm } from './totp.ts';

// RFC 6238 Appendix B: 8 digits, 30 s, one seed per algorithm.
const seeds: Record<OTPAlgorithm, Uint8Array> = {
  SHA1: utf8('12345678901234567890'),
  SHA256: utf8('12345678901234567890123456789012'),
  SHA512: utf8('1234567890123456789012345678901234567890123456789012345678901234'),
};
const vectors: Array<[number, string, OTPAlgorithm]> = [
  [59, '94287082', 'SHA1'],
  [59, '46119246', 'SHA256'],
  [59, '90693936', 'SHA512'],
  [1111111109, '07081804', 'SHA1'],
  [1111111109, '68084774', 'SHA256'],
  [1111111109, '25091201', 'SHA512'],
  [1234567890, '89005924', 'SHA1'],
  [2000000000, '69279037', 'SHA1'],
  [20000000000, '65353130', 'SHA1'],
  [20000000000, '77737706', 'SHA256'],
  [20000000000, '47863826', 'SHA512'],
];

describe('TOTP', () => {
  it.each(vectors)('at %i s gives %s with %s (RFC 6238)', (seconds, code, algorithm) => {
    expect(generateTOTP({ seed: seeds[algorithm], algorithm, digits: 8, period: 30 }, seconds * 1000)).toBe(code);
  });

  const params = { seed: seeds.SHA1, algorithm: 'SHA1' as const, digits: 8, period: 30 };

  it('matches within the window and returns the matched step', () => {
    const t = 1_111_111_109_000;
    const previous = generateTOTP(params, t - 30_000);
    expect(matchTOTP(params, previous, t, 1)).toBe(timeStep(30, t) - 1);
    expect(matchTOTP(params, previous, t, 0)).toBeNull();
    expect(matchTOTP(params, generateTOTP(params, t - 60_000), t, 1)).toBeNull();
  });

  it('rejects codes of the wrong shape', () => {
    expect(matchTOTP(params, '0708180', 1_111_111_109_000)).toBeNull();
    expect(matchTOTP(params, '0708180x', 1_111_111_109_000)).toBeNull();
  });

  it('counts down to the next step', () => {
    expect(timeStep(30, 1_000_000_000_000)).toBe(33_333_333);
  });
});
