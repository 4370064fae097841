import { describe, expect, it } from 'vitest';
import { fromB64u } from './bytes.ts';
import { generateTOTP } from './totp.ts';
import { openSeedWithPin, PIN_KDF_ITERATIONS, sealSeedWithPin } from './vault-pin.ts';

const seed = new Uint8Array(20).map((_, i) => i + 1);

describe('PIN camouflage', () => {
  it('uses PBKDF2-SHA256 with at least 600,000 iterations and a random 16-byte salt', async () => {
    const a = await sealSeedWithPin(seed, '2468');
    const b = await sealSeedWithPin(seed, '2468');
    expect(PIN_KDF_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect(a.kdf).toMatchObject({ name: 'PBKDF2-SHA256', iterations: PIN_KDF_ITERATIONS });
    expect(fromB64u(a.kdf.salt)).toHaveLength(16);
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.ct).not.toBe(b.ct);
    expect(await openSeedWithPin(a, '2468')).toEqual(seed);
  });

  it('stores no checksum: the ciphertext is exactly as long as the seed', async () => {
    const secret = await sealSeedWithPin(seed, '2468', 1000);
    expect(fromB64u(secret.ct)).toHaveLength(seed.length);
    expect(Object.keys(secret).sort()).toEqual(['cipher', 'counter', 'ct', 'kdf', 'type']);
  });

  it('gives a plausible, different seed for every wrong PIN, and no error', async () => {
    const secret = await sealSeedWithPin(seed, '2468', 1000);
    const seen = new Set<string>();
    for (const wrong of ['2469', '0000', '1234', '24680', 'abcd', '٢٤٦٨']) {
      const other = await openSeedWithPin(secret, wrong);
      expect(other).toHaveLength(seed.length);
      expect(other).not.toEqual(seed);
      seen.add(other.join(','));
      // A wrong seed still makes a well-formed code: nothing tells the PIN was wrong offline.
      expect(generateTOTP({ seed: other, algorithm: 'SHA1', digits: 6, period: 30 }, 1_764_370_800_000)).toMatch(/^\d{6}$/);
    }
    expect(seen.size).toBe(6);
  });

  it('refuses an empty PIN', async () => {
    await expect(sealSeedWithPin(seed, '', 1000)).rejects.toMatchObject({ code: 'pin_empty' });
  });
});
