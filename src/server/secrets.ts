/**
 * Secrets at rest: seeds, K_status and K_ac are sealed with the master key
 * (AES-256-GCM), bound to where they are stored so a sealed value cannot be
 * moved to another row or column. Passwords and security answers are hashed
 * with scrypt.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes as nodeRandomBytes, type KeyObject, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { b64u, fromB64u, T } from '../core/bytes.ts';
import { aesGcmDecrypt, aesGcmEncrypt, hkdf, hmac, randomBytes } from '../core/crypto.ts';

export class MasterKey {
  /** The key as node:crypto holds it, made once: each cipher then starts from it instead of raw bytes. */
  private readonly keyObject: KeyObject;

  private constructor(private readonly key: Uint8Array) {
    this.keyObject = createSecretKey(key);
  }

  /** From a key file (`master.key`), as `writeKeyFile` writes it. */
  static fromFile(file: string): MasterKey {
    return MasterKey.fromText(readFileSync(file, 'utf8'));
  }

  /** From base64url of 32 bytes (`JETON_MASTER_KEY`). */
  static fromText(text: string): MasterKey {
    let key: Uint8Array;
    try {
      key = fromB64u(text.trim());
    } catch {
      throw new Error('JETON_MASTER_KEY must be base64url of 32 bytes.');
    }
    if (key.length !== 32) throw new Error('JETON_MASTER_KEY must be base64url of 32 bytes.');
    return new MasterKey(key);
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(32));
  }

  toText(): string {
    return b64u(this.key);
  }

  /** Seals `plaintext` for `context` (e.g. `tokens.seed:<id>`): base64url of IV || ciphertext. */
  async seal(plaintext: Uint8Array, context: string): Promise<string> {
    const iv = randomBytes(12);
    const ct = await aesGcmEncrypt(this.key, iv, plaintext, T('jeton/at-rest/v1', context));
    const out = new Uint8Array(12 + ct.length);
    out.set(iv);
    out.set(ct, 12);
    return b64u(out);
  }

  async open(sealed: string, context: string): Promise<Uint8Array> {
    const bytes = fromB64u(sealed);
    return aesGcmDecrypt(this.key, bytes.subarray(0, 12), bytes.subarray(12), T('jeton/at-rest/v1', context));
  }

  /**
   * HMAC-SHA256 of `data` under a key derived for `purpose`: stable across
   * restarts and instances, unguessable without the master key (the portal's
   * decoys for unknown usernames use it).
   */
  async mac(purpose: string, data: string): Promise<Uint8Array> {
    const key = await hkdf(this.key, T('jeton/derive/v1'), T(purpose), 32);
    return hmac(key, T(data));
  }

  /**
   * `seal`, synchronously with node:crypto: same format, interchangeable. The
   * request paths use it because WebCrypto's per-call key import and promise
   * hops cost more than the cipher on 20–64 byte secrets.
   */
  sealSync(plaintext: Uint8Array, context: string): string {
    const iv = nodeRandomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyObject, iv);
    cipher.setAAD(T('jeton/at-rest/v1', context));
    const ct = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return b64u(ct);
  }

  /** `open`, synchronously with node:crypto; throws when the key, context or data is wrong. */
  openSync(sealed: string, context: string): Uint8Array {
    const bytes = fromB64u(sealed);
    if (bytes.length < 12 + 16) throw new Error('Sealed value too short.');
    const decipher = createDecipheriv('aes-256-gcm', this.keyObject, bytes.subarray(0, 12));
    decipher.setAAD(T('jeton/at-rest/v1', context));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plaintext = decipher.update(bytes.subarray(12, bytes.length - 16));
    decipher.final(); // throws when the tag is wrong; GCM gives no more bytes here
    return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length);
  }
}

/**
 * The master key: `JETON_MASTER_KEY` when set; otherwise `<dataDir>/master.key`,
 * created on first start (with a warning: fine for trying Jeton, not for production).
 */
export function loadMasterKey(configured: string | undefined, dataDir: string, warn: (msg: string) => void): MasterKey {
  if (configured) return MasterKey.fromText(configured);
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return MasterKey.fromFile(file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = createKeyFile(file, MasterKey.generate());
  warn(`JETON_MASTER_KEY is not set: generated ${file}. Set JETON_MASTER_KEY in production.`);
  return key;
}

/**
 * Writes `key` to `file` (owner-only) and flushes it to the disk before
 * returning: data sealed with a key is committed only after the key is safe,
 * so a crash or a power cut cannot leave data whose key was lost.
 */
export function writeKeyFile(file: string, key: MasterKey): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    writeSync(fd, `${key.toText()}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
}

/**
 * Puts `key` in `file` unless a key is there already, and returns the key
 * `file` holds. Written aside then linked into place, the file appears whole
 * or not at all; of processes starting together on a new data directory
 * (two instances, a server and the admin CLI), the first link wins and the
 * others take its key.
 */
export function createKeyFile(file: string, key: MasterKey): MasterKey {
  const aside = `${file}.${process.pid}.new`;
  writeKeyFile(aside, key);
  try {
    linkSync(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return MasterKey.fromFile(file);
  } finally {
    rmSync(aside, { force: true });
  }
  syncDirectory(dirname(file));
  return key;
}

/** Flushes a directory's entries (a file linked or renamed into it) to the disk, where the system can (not Windows, whose NTFS journals them). */
export function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR' || (error as NodeJS.ErrnoException).code === 'EPERM') return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// ---- hashing -----------------------------------------------------------------

const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 };

function scrypt(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** scrypt hash as `scrypt$N$r$p$salt$hash`. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = nodeRandomBytes(16);
  const hash = await scrypt(secret, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${b64u(salt)}$${b64u(hash)}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(fromB64u(hash));
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scryptCb(secret, Buffer.from(fromB64u(salt)), expected.length, { N: Number(n), r: Number(r), p: Number(p) }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
  return timingSafeEqual(actual, expected);
}

/** Folds case, accents and spacing of a security answer: "  Montréal " → "montreal". */
export const normalizeAnswer = (answer: string): string =>
  answer.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();

export const hashAnswer = (answer: string): Promise<string> => hashSecret(normalizeAnswer(answer));
export const verifyAnswer = (answer: string, stored: string): Promise<boolean> => verifySecret(normalizeAnswer(answer), stored);

/** API keys are random 32 bytes shown once; the database keeps their SHA-256. */
export const newApiKey = (): string => `jk_${b64u(randomBytes(32))}`;
