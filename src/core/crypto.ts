/**
 * Every WebCrypto call of `src/core` (browsers and Node alike): the primitives
 * of docs/protocol.md §1 (ECDH P-256 with raw 65-byte keys, HKDF-SHA256,
 * HMAC-SHA256, AES-256-GCM) and those of the vault (PBKDF2-SHA256, AES-256-CTR).
 */
import { utf8 } from './bytes.ts';
import { JetonError } from './errors.ts';

const subtle = globalThis.crypto.subtle;

// Our byte strings are never backed by a SharedArrayBuffer; WebCrypto's types want that said.
const bs = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;

export const randomBytes = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

/** HKDF-SHA256 (RFC 5869). */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await subtle.importKey('raw', bs(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: bs(salt), info: bs(info) }, key, length * 8);
  return new Uint8Array(bits);
}

/** HMAC-SHA256 (RFC 2104). */
export async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle.importKey('raw', bs(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, bs(data)));
}

/** Checks an HMAC-SHA256 in constant time (WebCrypto's verify). */
export async function hmacVerify(key: Uint8Array, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
  const k = await subtle.importKey('raw', bs(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return subtle.verify('HMAC', k, bs(mac), bs(data));
}

/** An AES key as raw bytes, or as a (non-extractable) CryptoKey made for that cipher. */
type AesKey = Uint8Array | CryptoKey;

const aesKey = async (key: AesKey, cipher: 'AES-GCM' | 'AES-CTR', usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> =>
  ArrayBuffer.isView(key) ? subtle.importKey('raw', bs(key), cipher, false, [usage]) : key;

/** A fresh, non-extractable AES-256-GCM key. */
export const generateAesGcmKey = async (): Promise<CryptoKey> => subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

/** AES-256-GCM; the 16-byte tag is appended to the ciphertext. */
export async function aesGcmEncrypt(key: AesKey, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const k = await aesKey(key, 'AES-GCM', 'encrypt');
  return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: bs(iv), additionalData: bs(aad) }, k, bs(plaintext)));
}

class DecryptionError extends JetonError {
  constructor() {
    super('decryption_failed', 'The data could not be decrypted: wrong key or altered data.');
  }
}

/** AES-256-GCM decryption; throws DecryptionError when the key or data is wrong. */
export async function aesGcmDecrypt(key: AesKey, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const k = await aesKey(key, 'AES-GCM', 'decrypt');
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: bs(iv), additionalData: bs(aad) }, k, bs(ciphertext)));
  } catch {
    throw new DecryptionError();
  }
}

export interface EcdhKeyPair {
  privateKey: CryptoKey;
  /** Raw uncompressed P-256 point, 65 bytes. */
  publicKey: Uint8Array;
}

/** A fresh ephemeral P-256 key pair. */
export async function generateEcdhKeyPair(): Promise<EcdhKeyPair> {
  const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey };
}

export class InvalidPublicKeyError extends JetonError {
  constructor() {
    super('invalid_public_key', 'Not a valid P-256 public key.');
  }
}

/** ECDH shared secret Z: the 32-byte x-coordinate. Rejects points not on the curve. */
export async function ecdh(privateKey: CryptoKey, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  if (peerPublicKey.length !== 65 || peerPublicKey[0] !== 4) throw new InvalidPublicKeyError();
  let peer: CryptoKey;
  try {
    peer = await subtle.importKey('raw', bs(peerPublicKey), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw new InvalidPublicKeyError();
  }
  return new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: peer }, privateKey, 256));
}

/**
 * PBKDF2-SHA256 from a password (UTF-8 after Unicode NFC, so the same text
 * typed on another keyboard layout gives the same key) to a non-extractable
 * AES-256 key for `cipher`.
 */
export async function pbkdf2Key(password: string, salt: Uint8Array, iterations: number, cipher: 'AES-GCM' | 'AES-CTR'): Promise<CryptoKey> {
  const base = await subtle.importKey('raw', bs(utf8(password.normalize('NFC'))), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: bs(salt), iterations }, base, { name: cipher, length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * AES-256-CTR, which encrypts and decrypts alike, with no tag. The whole
 * 16-byte block is the counter (length 64: the low 64 bits count, ample for
 * the few blocks it is used on).
 */
export async function aesCtr(key: CryptoKey, counter: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.encrypt({ name: 'AES-CTR', counter: bs(counter), length: 64 }, key, bs(data)));
}
