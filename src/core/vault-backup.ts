/**
 * Encrypted backups of the tokens whose profile allows it (`exportable`):
 * a JSON file sealed with AES-256-GCM under a key derived from a backup
 * password (PBKDF2-SHA256). PIN tokens stay camouflaged inside: the backup
 * holds their records exactly as the vault does. @see docs/vault.md "Backups"
 */
import { b64u, fromB64u, fromUtf8, T, utf8 } from './bytes.ts';
import { aesGcmDecrypt, aesGcmEncrypt, pbkdf2Key, randomBytes } from './crypto.ts';
import { JetonError } from './errors.ts';
import { DEFAULT_SETTINGS } from './messages.ts';
import { migrateContent, newAccountId, parseVaultContent, VAULT_CONTENT_VERSION, type TokenRecord } from './vault.ts';
import { PIN_KDF_ITERATIONS } from './vault-pin.ts';

const BACKUP_FORMAT = 'jeton-backup';
const BACKUP_VERSION = 1;
const MIN_BACKUP_PASSWORD = 8;

class BackupError extends JetonError {}

const backupKey = (password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> => pbkdf2Key(password, salt, iterations, 'AES-GCM');

/** True for the tokens a backup may hold: bound to a server whose profile says `exportable`. */
export const isExportable = (token: TokenRecord): boolean => token.server?.exportable === true && !token.demo;

/** Seals the exportable tokens into a backup file (JSON text); throws when there is none or the password is short. */
export async function exportBackup(tokens: TokenRecord[], password: string, now: number, iterations = PIN_KDF_ITERATIONS): Promise<{ file: string; count: number }> {
  if (password.length < MIN_BACKUP_PASSWORD) throw new BackupError('backup_password_short', `The backup password needs at least ${MIN_BACKUP_PASSWORD} characters.`);
  const chosen = tokens.filter(isExportable);
  if (chosen.length === 0) throw new BackupError('backup_nothing', 'No token may be exported.');
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  // A renewal under way stays with this browser: it finishes here, and the backup holds the token in use.
  const content = { version: VAULT_CONTENT_VERSION, tokens: chosen.map(({ renewal: _here, ...token }) => token) };
  const key = await backupKey(password, salt, iterations);
  const ct = await aesGcmEncrypt(key, iv, utf8(JSON.stringify(content)), T(BACKUP_FORMAT, BACKUP_VERSION));
  const file = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: new Date(now).toISOString(),
    kdf: { name: 'PBKDF2-SHA256', iterations, salt: b64u(salt) },
    iv: b64u(iv),
    ct: b64u(ct),
  };
  return { file: JSON.stringify(file, null, 1), count: chosen.length };
}

/** Opens a backup file: the exportable tokens it holds, migrated to the current format. */
export async function importBackup(text: string, password: string): Promise<TokenRecord[]> {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new BackupError('backup_invalid', 'This is not a Jeton backup.');
  }
  if (typeof file !== 'object' || file === null || file.format !== BACKUP_FORMAT) throw new BackupError('backup_invalid', 'This is not a Jeton backup.');
  if (typeof file.version !== 'number' || file.version > BACKUP_VERSION) throw new BackupError('backup_too_new', 'This backup was made by a newer Jeton.');
  const kdf = file.kdf as Record<string, unknown> | undefined;
  if (
    typeof kdf !== 'object' ||
    kdf === null ||
    kdf.name !== 'PBKDF2-SHA256' ||
    typeof kdf.iterations !== 'number' ||
    !Number.isInteger(kdf.iterations) ||
    kdf.iterations < 1 ||
    kdf.iterations > 10_000_000 ||
    typeof kdf.salt !== 'string' ||
    typeof file.iv !== 'string' ||
    typeof file.ct !== 'string'
  ) {
    throw new BackupError('backup_invalid', 'This backup is damaged.');
  }
  let plaintext: Uint8Array;
  try {
    const key = await backupKey(password, fromB64u(kdf.salt), kdf.iterations);
    plaintext = await aesGcmDecrypt(key, fromB64u(file.iv), fromB64u(file.ct), T(BACKUP_FORMAT, file.version));
  } catch {
    throw new BackupError('backup_password', 'Wrong backup password, or a damaged backup.');
  }
  let content: unknown;
  try {
    content = migrateContent(JSON.parse(fromUtf8(plaintext)));
  } catch (err) {
    if (err instanceof JetonError) throw new BackupError(err.code === 'vault_too_new' ? 'backup_too_new' : 'backup_invalid', err.message);
    throw new BackupError('backup_invalid', 'This backup is damaged.');
  }
  // Settings and the clock offset belong to each browser, not to the backup.
  const parsed = parseVaultContent({ ...(content as object), settings: DEFAULT_SETTINGS, clockOffsetMs: 0 });
  return parsed.tokens.filter(isExportable);
}

/** Adds the backup's tokens the vault does not already hold (same server token id); fresh local ids. */
export function mergeTokens(existing: TokenRecord[], incoming: TokenRecord[]): { tokens: TokenRecord[]; added: number } {
  const known = new Set(existing.flatMap((t) => (t.server ? [`${t.server.serverUrl} ${t.server.tokenId}`] : [])));
  const fresh = incoming.filter((t) => t.server && !known.has(`${t.server.serverUrl} ${t.server.tokenId}`)).map((t) => ({ ...t, id: newAccountId() }));
  return { tokens: [...existing, ...fresh], added: fresh.length };
}
