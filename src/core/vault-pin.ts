/**
 * PIN camouflage: a PIN-protected seed is encrypted with a PIN-derived key and
 * no checksum of any kind (AES-CTR, no tag), so every PIN decrypts to a
 * plausible seed of the right length and an offline attacker has no way to
 * tell the right PIN. Only the server can, online and rate-limited (PROTOCOL §5).
 * @see docs/vault.md "Seeds"
 */
import { b64u, fromB64u } from './bytes.ts';
import { aesCtr, pbkdf2Key, randomBytes } from './crypto.ts';
import { JetonError } from './errors.ts';
import type { SeedSecret } from './vault.ts';

/** PBKDF2-SHA256 iterations for new PINs (OWASP 2023 figure for PBKDF2-HMAC-SHA256). */
export const PIN_KDF_ITERATIONS = 600_000;

type PinSecret = Extract<SeedSecret, { type: 'pin' }>;

class PinError extends JetonError {}

/** PINs are derived as typed, after Unicode NFC (a PIN typed on another keyboard layout still works). */
const pinKey = (pin: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> => pbkdf2Key(pin, salt, iterations, 'AES-CTR');

/** Encrypts a seed under a PIN, without checksum. @see docs/vault.md "Seeds" */
export async function sealSeedWithPin(seed: Uint8Array, pin: string, iterations = PIN_KDF_ITERATIONS): Promise<PinSecret> {
  if (pin.length === 0) throw new PinError('pin_empty', 'The PIN is empty.');
  const salt = randomBytes(16);
  const counter = randomBytes(16);
  const key = await pinKey(pin, salt, iterations);
  const ct = await aesCtr(key, counter, seed);
  return { type: 'pin', kdf: { name: 'PBKDF2-SHA256', iterations, salt: b64u(salt) }, cipher: 'AES-256-CTR', counter: b64u(counter), ct: b64u(ct) };
}

/**
 * Decrypts a PIN-protected seed. Never fails for a wrong PIN: it then returns
 * another seed of the same length, and codes made from it are simply wrong.
 */
export async function openSeedWithPin(secret: PinSecret, pin: string): Promise<Uint8Array> {
  const key = await pinKey(pin, fromB64u(secret.kdf.salt), secret.kdf.iterations);
  return aesCtr(key, fromB64u(secret.counter), fromB64u(secret.ct));
}
