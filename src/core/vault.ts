/**
 * The vault: what the extension keeps in `storage.local`, as one AES-256-GCM
 * sealed object under a vault key. Two versions: the envelope's (how it is
 * sealed) and the content's (what is inside). Newer versions are rejected,
 * older ones migrated on read. @see docs/vault.md
 */
import { b64u, fromB64u, fromUtf8, T, utf8 } from './bytes.ts';
import { aesGcmDecrypt, aesGcmEncrypt, generateAesGcmKey, randomBytes } from './crypto.ts';
import { JetonError } from './errors.ts';
import { AUTO_LOCK_CHOICES, DEFAULT_SETTINGS, type Language, type Settings } from './messages.ts';
import type { OTPAlgorithm } from './totp.ts';

export const VAULT_ENVELOPE_VERSION = 1;
export const VAULT_CONTENT_VERSION = 2;
/** The `storage.local` key holding the whole vault: one key, so one `set` replaces it atomically. */
export const VAULT_STORAGE_KEY = 'vault';

/** The sealed vault as stored. @see docs/vault.md "Envelope" */
export interface VaultEnvelope {
  version: number;
  /** Which vault key sealed it (the key itself lives in IndexedDB). */
  keyId: string;
  iv: string;
  ct: string;
}

/** How a token's seed is kept. @see docs/vault.md "Seeds" */
export type SeedSecret =
  | { type: 'plain'; seed: string }
  | {
      type: 'pin';
      kdf: { name: 'PBKDF2-SHA256'; iterations: number; salt: string };
      cipher: 'AES-256-CTR';
      counter: string;
      ct: string;
    };

/** A token's state as the server last told it (§4 confirm, §5 status). @see docs/protocol.md §5 */
export type TokenState = 'pending' | 'active' | 'superseded' | 'revoked' | 'expired';
export const TOKEN_STATES: readonly TokenState[] = ['pending', 'active', 'superseded', 'revoked', 'expired'];

/** What ties a token to its server; absent for the demo token, which is never sent anywhere. */
export interface ServerBinding {
  serverUrl: string;
  tokenId: string;
  /** K_status (PROTOCOL §3): not the seed, not PIN-protected. */
  kStatus: string;
  confirmUrl: string;
  statusUrl: string;
  renewUrl?: string;
  portalUrl: string;
  loginOrigins: string[];
  exportable: boolean;
  state: TokenState;
  pinMinLength: number;
  /** Content v2: when the server last answered §5 status (ISO). */
  statusAt?: string;
  /** Content v2: when §6 renewal opens (ISO), from the last status answer. */
  renewOpensAt?: string;
  /** Content v2: the warning thresholds (days; 0 = expired) already notified, never notified again. */
  notified?: number[];
  /**
   * The time step of the code that confirmed this token (§4): the server counts it as used and
   * refuses it as a replay, so codes are shown from the next step on. @see docs/protocol.md §7
   */
  usedStep?: number;
}

/**
 * Content v2: a renewal under way (§6 answered, §4 not yet recorded). It sits
 * beside the current binding, which keeps working, until its confirmation is
 * recorded; then it replaces the token's fields in the same write that drops it.
 * @see docs/vault.md "Renewal"
 */
export interface RenewalRecord {
  startedAt: string;
  issuedAt: string;
  expiresAt: string;
  algorithm: OTPAlgorithm;
  digits: number;
  period: number;
  /** The new seed, sealed as the current one is (under the same PIN for a PIN token). */
  secret: SeedSecret;
  server: ServerBinding;
}

export interface TokenRecord {
  /** Local id (random), stable across renewals in later versions. */
  id: string;
  issuer: string;
  userId: string;
  algorithm: OTPAlgorithm;
  digits: number;
  period: number;
  issuedAt: string;
  expiresAt: string;
  addedAt: string;
  demo: boolean;
  secret: SeedSecret;
  server?: ServerBinding;
  /** Content v2: a renewal waiting for its confirmation to be recorded. */
  renewal?: RenewalRecord;
}

export interface VaultContent {
  version: number;
  tokens: TokenRecord[];
  settings: Settings;
  /** Content v2: local clock + this = the servers' clock (from §5 `serverTime`); 0 when in step. */
  clockOffsetMs: number;
}

export class VaultError extends JetonError {}

/** A vault with nothing in it. */
export const emptyVault = (): VaultContent => ({ version: VAULT_CONTENT_VERSION, tokens: [], settings: { ...DEFAULT_SETTINGS }, clockOffsetMs: 0 });

/** A fresh local token id. */
export const newAccountId = (): string => b64u(randomBytes(12));

const envelopeAad = (version: number, keyId: string): Uint8Array => T('jeton/vault', version, keyId);

/** A fresh, non-extractable AES-256-GCM vault key and its id. */
export async function generateVaultKey(): Promise<{ id: string; key: CryptoKey }> {
  return { id: b64u(randomBytes(8)), key: await generateAesGcmKey() };
}

/** Seals the content under the vault key: AES-256-GCM, fresh IV, aad binds version and key id. */
export async function sealVault(vaultKey: { id: string; key: CryptoKey }, content: VaultContent): Promise<VaultEnvelope> {
  const checked = parseVaultContent(JSON.parse(JSON.stringify(content)));
  const iv = randomBytes(12);
  const ct = await aesGcmEncrypt(vaultKey.key, iv, utf8(JSON.stringify(checked)), envelopeAad(VAULT_ENVELOPE_VERSION, vaultKey.id));
  return { version: VAULT_ENVELOPE_VERSION, keyId: vaultKey.id, iv: b64u(iv), ct: b64u(ct) };
}

/** Reads a stored envelope's shape; rejects a newer version before anything else. */
function parseVaultEnvelope(value: unknown): VaultEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new VaultError('vault_damaged', 'The vault is damaged.');
  const e = value as Record<string, unknown>;
  if (typeof e.version !== 'number' || !Number.isInteger(e.version) || e.version < 1) throw new VaultError('vault_damaged', 'The vault is damaged.');
  if (e.version > VAULT_ENVELOPE_VERSION) throw new VaultError('vault_too_new', 'The vault was written by a newer Jeton; update the extension.');
  if (typeof e.keyId !== 'string' || typeof e.iv !== 'string' || typeof e.ct !== 'string') throw new VaultError('vault_damaged', 'The vault is damaged.');
  return { version: e.version, keyId: e.keyId, iv: e.iv, ct: e.ct };
}

/** Opens a stored vault: checks the envelope, decrypts, migrates older content, validates. */
export async function openVault(vaultKey: { id: string; key: CryptoKey }, stored: unknown): Promise<VaultContent> {
  const envelope = parseVaultEnvelope(stored);
  if (envelope.keyId !== vaultKey.id) throw new VaultError('vault_key_mismatch', 'The vault key is not the one that sealed this vault.');
  let plaintext: Uint8Array;
  try {
    plaintext = await aesGcmDecrypt(vaultKey.key, fromB64u(envelope.iv), fromB64u(envelope.ct), envelopeAad(envelope.version, envelope.keyId));
  } catch {
    throw new VaultError('vault_damaged', 'The vault could not be decrypted: it is damaged or was altered.');
  }
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plaintext));
  } catch {
    throw new VaultError('vault_damaged', 'The vault is damaged.');
  }
  return parseVaultContent(migrateContent(json));
}

// ---- migrations ----------------------------------------------------------

/** A step from content version n to n + 1, on raw JSON (it runs before validation). */
export type ContentMigration = (content: Record<string, unknown>) => Record<string, unknown>;

/**
 * CONTENT_MIGRATIONS[n] turns version n into n + 1; each new version adds one
 * here and a fixture in src/core/fixtures/.
 */
const CONTENT_MIGRATIONS: Readonly<Record<number, ContentMigration>> = {
  // v1 → v2: nothing notified yet, no renewal, the clock taken as right. States v1 knew (pending, active) stay.
  1: (content) => ({
    ...content,
    clockOffsetMs: 0,
    tokens: Array.isArray(content.tokens)
      ? content.tokens.map((t: unknown) => {
          const token = obj(t, 'token');
          return token.server === undefined ? token : { ...token, server: { ...obj(token.server, 'server'), notified: [] } };
        })
      : content.tokens,
  }),
};

/** Brings raw content up to the current version; rejects a newer one. */
export function migrateContent(raw: unknown, migrations: Readonly<Record<number, ContentMigration>> = CONTENT_MIGRATIONS, current = VAULT_CONTENT_VERSION): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new VaultError('vault_damaged', 'The vault is damaged.');
  let content = raw as Record<string, unknown>;
  let version = content.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new VaultError('vault_damaged', 'The vault has no version.');
  if (version > current) throw new VaultError('vault_too_new', 'The vault was written by a newer Jeton; update the extension.');
  while (version < current) {
    const step = migrations[version];
    if (step === undefined) throw new VaultError('vault_damaged', `No migration from vault version ${version}.`);
    content = { ...step(content), version: version + 1 };
    version += 1;
  }
  return content;
}

// ---- validation of the content -------------------------------------------

const damaged = (what: string): VaultError => new VaultError('vault_damaged', `The vault is damaged: ${what}.`);

function str(v: unknown, what: string, max = 4096): string {
  if (typeof v !== 'string' || v.length > max) throw damaged(what);
  return v;
}
function b64(v: unknown, what: string, min: number, max = min): string {
  const s = str(v, what);
  let n: number;
  try {
    n = fromB64u(s).length;
  } catch {
    throw damaged(what);
  }
  if (n < min || n > max) throw damaged(what);
  return s;
}
function int(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw damaged(what);
  return v;
}
function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw damaged(what);
  return v as Record<string, unknown>;
}
function date(v: unknown, what: string): string {
  const s = str(v, what, 64);
  if (Number.isNaN(Date.parse(s))) throw damaged(what);
  return s;
}

function parseSecret(v: unknown): SeedSecret {
  const s = obj(v, 'secret');
  if (s.type === 'plain') return { type: 'plain', seed: b64(s.seed, 'seed', 10, 64) };
  if (s.type === 'pin') {
    const kdf = obj(s.kdf, 'kdf');
    if (kdf.name !== 'PBKDF2-SHA256' || s.cipher !== 'AES-256-CTR') throw damaged('unknown PIN protection');
    return {
      type: 'pin',
      kdf: { name: 'PBKDF2-SHA256', iterations: int(kdf.iterations, 'iterations', 1, 100_000_000), salt: b64(kdf.salt, 'salt', 16, 64) },
      cipher: 'AES-256-CTR',
      counter: b64(s.counter, 'counter', 16),
      ct: b64(s.ct, 'sealed seed', 10, 64),
    };
  }
  throw damaged('unknown secret type');
}

function parseServer(v: unknown): ServerBinding {
  const s = obj(v, 'server');
  const state = TOKEN_STATES.find((x) => x === s.state);
  if (state === undefined) throw damaged('server state');
  if (!Array.isArray(s.loginOrigins)) throw damaged('login origins');
  if (typeof s.exportable !== 'boolean') throw damaged('exportable');
  const binding: ServerBinding = {
    serverUrl: str(s.serverUrl, 'server URL'),
    tokenId: b64(s.tokenId, 'token id', 16),
    kStatus: b64(s.kStatus, 'K_status', 32),
    confirmUrl: str(s.confirmUrl, 'confirm URL'),
    statusUrl: str(s.statusUrl, 'status URL'),
    portalUrl: str(s.portalUrl, 'portal URL'),
    loginOrigins: s.loginOrigins.map((o) => str(o, 'login origin', 512)),
    exportable: s.exportable,
    state,
    pinMinLength: int(s.pinMinLength, 'PIN length', 0, 64),
  };
  if (s.renewUrl !== undefined) binding.renewUrl = str(s.renewUrl, 'renew URL');
  if (s.statusAt !== undefined) binding.statusAt = date(s.statusAt, 'statusAt');
  if (s.renewOpensAt !== undefined) binding.renewOpensAt = date(s.renewOpensAt, 'renewOpensAt');
  if (s.notified !== undefined) {
    if (!Array.isArray(s.notified) || s.notified.length > 32) throw damaged('notified');
    binding.notified = s.notified.map((d) => int(d, 'notified', 0, 3650));
  }
  if (s.usedStep !== undefined) binding.usedStep = int(s.usedStep, 'usedStep', 0, Number.MAX_SAFE_INTEGER);
  return binding;
}

function parseRenewal(v: unknown): RenewalRecord {
  const r = obj(v, 'renewal');
  if (r.algorithm !== 'SHA1' && r.algorithm !== 'SHA256' && r.algorithm !== 'SHA512') throw damaged('renewal algorithm');
  return {
    startedAt: date(r.startedAt, 'renewal startedAt'),
    issuedAt: date(r.issuedAt, 'renewal issuedAt'),
    expiresAt: date(r.expiresAt, 'renewal expiresAt'),
    algorithm: r.algorithm,
    digits: int(r.digits, 'renewal digits', 6, 8),
    period: int(r.period, 'renewal period', 1, 3600),
    secret: parseSecret(r.secret),
    server: parseServer(r.server),
  };
}

function parseToken(v: unknown): TokenRecord {
  const t = obj(v, 'token');
  if (t.algorithm !== 'SHA1' && t.algorithm !== 'SHA256' && t.algorithm !== 'SHA512') throw damaged('algorithm');
  if (typeof t.demo !== 'boolean') throw damaged('demo flag');
  const token: TokenRecord = {
    id: str(t.id, 'id', 64),
    issuer: str(t.issuer, 'issuer', 128),
    userId: str(t.userId, 'user ID', 64),
    algorithm: t.algorithm,
    digits: int(t.digits, 'digits', 6, 8),
    period: int(t.period, 'period', 1, 3600),
    issuedAt: date(t.issuedAt, 'issuedAt'),
    expiresAt: date(t.expiresAt, 'expiresAt'),
    addedAt: date(t.addedAt, 'addedAt'),
    demo: t.demo,
    secret: parseSecret(t.secret),
  };
  if (t.server !== undefined) token.server = parseServer(t.server);
  if (t.renewal !== undefined) token.renewal = parseRenewal(t.renewal);
  // The demo token is never sent anywhere: it has no server, and only it has none.
  if (token.demo === (token.server !== undefined)) throw damaged('demo and server binding disagree');
  if (token.renewal !== undefined && token.server === undefined) throw damaged('renewal without server');
  return token;
}

function parseSettings(v: unknown): Settings {
  const s = obj(v, 'settings');
  const language = (['browser', 'fr', 'en'] as const).find((l) => l === s.language);
  const autoLockMinutes = AUTO_LOCK_CHOICES.find((m) => m === s.autoLockMinutes);
  return {
    language: language ?? (DEFAULT_SETTINGS.language as Language),
    autoLockMinutes: autoLockMinutes ?? DEFAULT_SETTINGS.autoLockMinutes,
    // Absent in vaults written before filling existed: off.
    autoFill: s.autoFill === true,
  };
}

/** Validates current-version content (after migration). */
export function parseVaultContent(value: unknown): VaultContent {
  const c = obj(value, 'content');
  if (c.version !== VAULT_CONTENT_VERSION) throw damaged('content version');
  if (!Array.isArray(c.tokens) || c.tokens.length > 100) throw damaged('tokens');
  const tokens = c.tokens.map(parseToken);
  if (new Set(tokens.map((t) => t.id)).size !== tokens.length) throw damaged('duplicate token ids');
  const clockOffsetMs = int(c.clockOffsetMs, 'clock offset', -100 * 365 * 86_400_000, 100 * 365 * 86_400_000);
  return { version: VAULT_CONTENT_VERSION, tokens, settings: parseSettings(c.settings), clockOffsetMs };
}
