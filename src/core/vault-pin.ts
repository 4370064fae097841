/**
 * PIN camouflage: a PIN-protected seed is encrypted with a PIN-derived key and
 * no checksum of any kind (AES-CTR, no tag), so every PIN decrypts to a
 * plausible seed of the right length and an offline attacker has no way to
 * tell the right PIN. Only the server can, online and rate-limited (PROTOCOL §5).
 * @see docs/vault.md "Seeds"
 */
import { b64u, fromB64u, utf8 } from './bytes.ts';
import { randomBytes } from './crypto.ts';
import { JetonError } from './errors.ts';
import type { SeedSecret } from './vault.ts';

/** PBKDF2-SHA256 iterations for new PINs (OWASP 2023 figure for PBKDF2-HMAC-SHA256). */
export const PIN_KDF_ITERATIONS = 600_000;

type PinSecret = Extract<SeedSecret, { type: 'pin' }>;

const subtle = globalThis.crypto.subtle;
const bs = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;

export class PinError extends JetonError {}

/** PINs are compared and derived as typed, after Unicode NFC (a PIN typed on another keyboard layout still works). */
const normalizePin = (pin: string): string => pin.normalize('NFC');

async function pinKey(pin: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await subtle.importKey('raw', bs(utf8(normalizePin(pin))), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: bs(salt), iterations }, base, { name: 'AES-CTR', length: 256 }, false, ['encrypt', 'decrypt']);
}

// The whole 16-byte block is the counter (length 64: the low 64 bits count, seeds are at most 4 blocks).
const ctr = (counter: Uint8Array) => ({ name: 'AES-CTR', counter: bs(counter), length: 64 }) as const;

/** Encrypts a seed under a PIN, without checksum. @see docs/vault.md "Seeds" */
export async function sealSeedWithPin(seed: Uint8Array, pin: string, iterations = PIN_KDF_ITERATIONS): Promise<PinSecret> {
  if (pin.length === 0) throw new PinError('pin_empty', 'The PIN is empty.');
  const salt = randomBytes(16);
  const counter = randomBytes(16);
  const key = await pinKey(pin, salt, iterations);
  const ct = new Uint8Array(await subtle.encrypt(ctr(counter), key, bs(seed)));
  return { type: 'pin', kdf: { name: 'PBKDF2-SHA256', iterations, salt: b64u(salt) }, cipher: 'AES-256-CTR', counter: b64u(counter), ct: b64u(ct) };
}

/**
 * Decrypts a PIN-protected seed. Never fails for a wrong PIN: it then returns
 * another seed of the same length, and codes made from it are simply wrong.
 */
export async function openSeedWithPin(secret: PinSecret, pin: string): Promise<Uint8Array> {
  const key = await pinKey(pin, fromB64u(secret.kdf.salt), secret.kdf.iterations);
  return new Uint8Array(await subtle.decrypt(ctr(fromB64u(secret.counter)), key, bs(fromB64u(secret.ct))));
}
