import { describe, expect, it } from 'vitest';
import { candidateSteps, generateTOTP, matchTOTP, timeStep } from './totp.ts';
import { RFC6238_SEEDS, RFC6238_VECTORS } from '../testing/rfc6238.ts';

const seeds = RFC6238_SEEDS;

describe('TOTP', () => {
  it.each(RFC6238_VECTORS)('at %i s with %s gives %s (RFC 6238)', (seconds, algorithm, code) => {
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

  it('looks at the current step first, then the nearer ones, past before future, never below 0', () => {
    expect(candidateSteps(10, 2)).toEqual([10, 9, 11, 8, 12]);
    expect(candidateSteps(10, 0)).toEqual([10]);
    expect(candidateSteps(0, 1)).toEqual([0, 1]);
  });

  it('gives the current step when a code is also an earlier one', () => {
    // With one digit, the current code comes back among the ten steps before it.
    const short = { ...params, digits: 1 };
    const t = 1_111_111_109_000;
    const now = timeStep(30, t);
    const code = generateTOTP(short, t);
    const back = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((d) => generateTOTP(short, t - d * 30_000) === code)!;
    expect(back).toBeDefined();
    expect(matchTOTP(short, code, t, back)).toBe(now);
    expect(matchTOTP(short, code, t - back * 30_000, 0)).toBe(now - back);
  });

  it('rejects codes of the wrong shape', () => {
    expect(matchTOTP(params, '0708180', 1_111_111_109_000)).toBeNull();
    expect(matchTOTP(params, '0708180x', 1_111_111_109_000)).toBeNull();
  });

  it('counts down to the next step', () => {
    expect(timeStep(30, 1_000_000_000_000)).toBe(33_333_333);
  });
});
