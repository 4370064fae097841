import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dammCheckDigit, formatActivationCode, generateActivationCode, normalizeActivationCode } from './activation-code.ts';

describe('Damm check digit', () => {
  it('matches the published example (572 → 4)', () => {
    expect(dammCheckDigit('572')).toBe(4);
    expect(dammCheckDigit('5724')).toBe(0);
  });

  it('catches every single-digit error and every adjacent transposition', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{7}$/), fc.nat(7), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const code = body + String(dammCheckDigit(body));
        const typo = code.slice(0, at) + String((Number(code[at]) + delta) % 10) + code.slice(at + 1);
        expect(dammCheckDigit(typo)).not.toBe(0);
        if (at < 7 && code[at] !== code[at + 1]) {
          const swapped = code.slice(0, at) + code[at + 1] + code[at] + code.slice(at + 2);
          expect(dammCheckDigit(swapped)).not.toBe(0);
        }
      }),
    );
  });
});

describe('activation codes', () => {
  it('generates 8 digits that pass their own check', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateActivationCode();
      expect(code).toMatch(/^\d{8}$/);
      expect(normalizeActivationCode(code)).toBe(code);
    }
  });

  it('strips spaces and dashes as typed', () => {
    const code = generateActivationCode();
    expect(normalizeActivationCode(formatActivationCode(code))).toBe(code);
    expect(normalizeActivationCode(`${code.slice(0, 4)}-${code.slice(4)}`)).toBe(code);
  });

  it('says which mistake was made', () => {
    const code = generateActivationCode();
    const typo = code.slice(0, 7) + String((Number(code[7]) + 1) % 10);
    expect(() => normalizeActivationCode(typo)).toThrow(expect.objectContaining({ code: 'code_checksum' }));
    expect(() => normalizeActivationCode(code.slice(0, 7))).toThrow(expect.objectContaining({ code: 'code_length' }));
    expect(() => normalizeActivationCode('')).toThrow(expect.objectContaining({ code: 'code_length' }));
  });
});
