import { describe, expect, it } from 'vitest';
import { de, frenchSpacing, withFrenchSpacing } from './typography.ts';

describe('de', () => {
  it('elides before a vowel, not before a consonant', () => {
    expect(`le jeton ${de('inf02')}`).toBe('le jeton d’inf02');
    expect(`le jeton ${de('Émilie')}`).toBe('le jeton d’Émilie');
    expect(`le jeton ${de('format01')}`).toBe('le jeton de format01');
  });
});

describe('frenchSpacing', () => {
  it('puts a narrow no-break space before : ; ? ! and inside « »', () => {
    expect(frenchSpacing('Retirer ? Oui : non ; « Renouveler » !')).toBe('Retirer\u202f? Oui\u202f: non\u202f; «\u202fRenouveler\u202f»\u202f!');
  });

  it('adds none where there was no space: links and times keep their shape', () => {
    expect(frenchSpacing('otp://p?u=https://x&n=a')).toBe('otp://p?u=https://x&n=a');
  });

  it('reaches every string of a catalogue, and what its functions return', () => {
    const words = withFrenchSpacing({ a: 'Oui !', f: (n: number) => `${n} ?`, nested: { b: 'Non ;' } });
    expect(words).toEqual({ a: 'Oui\u202f!', f: expect.any(Function), nested: { b: 'Non\u202f;' } });
    expect(words.f(2)).toBe('2\u202f?');
  });
});
