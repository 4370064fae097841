/**
 * The vault behind a small storage interface, so its logic runs in Node tests
 * with a fake: read = get + open; write = seal + ONE `set` of the whole vault,
 * so a write that fails (quota) or is interrupted leaves the previous vault
 * intact. Updates are serialised so two messages cannot lose each other's change.
 * @see docs/vault.md "Writes"
 */
import { generateVaultKey, openVault, sealVault, VAULT_STORAGE_KEY, VaultError, emptyVault, type VaultContent } from './vault.ts';

/** The part of `browser.storage.local` / `storage.session` the extension uses. */
export interface StorageArea {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

export interface VaultKey {
  id: string;
  key: CryptoKey;
}

/** Where the vault key lives (IndexedDB in the extension, memory in tests). */
export interface VaultKeyStore {
  load(): Promise<VaultKey | null>;
  save(key: VaultKey): Promise<void>;
}

/** A read of the vault: its content, and the stored value it was opened from or written as (undefined: no vault yet). */
export interface VaultSnapshot {
  readonly content: VaultContent;
  readonly stored: unknown;
}

/** Whether two stored vaults are the same write (each seal draws a fresh IV, so the same IV and ciphertext are the same write). */
function sameWrite(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return typeof x.ct === 'string' && x.version === y.version && x.keyId === y.keyId && x.iv === y.iv && x.ct === y.ct;
}

export class VaultStore {
  // Serialises read-modify-write cycles within one background instance; losing it
  // when the worker stops is harmless (nothing is in flight then).
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly area: StorageArea,
    private readonly keys: VaultKeyStore,
  ) {}

  /** The current content; an empty vault when none was ever written. */
  async read(): Promise<VaultContent> {
    return (await this.snapshot()).content;
  }

  /**
   * The current content and the stored value it comes from. `known` is given
   * back as it is, without opening the vault again, while storage still holds
   * the value it was read from or written as.
   */
  async snapshot(known?: VaultSnapshot | null): Promise<VaultSnapshot> {
    const stored = (await this.area.get(VAULT_STORAGE_KEY))[VAULT_STORAGE_KEY];
    if (known && sameWrite(known.stored, stored)) return known;
    return { content: await this.#open(stored), stored };
  }

  /**
   * Applies `change` to the current content and writes the result in one `set`.
   * If `change` or the write throws, storage keeps the previous vault.
   */
  async update(change: (content: VaultContent) => VaultContent | Promise<VaultContent>): Promise<VaultContent> {
    return (await this.updateFrom(null, change)).content;
  }

  /** `update`, starting from `known` when storage still holds it (see `snapshot`); returns what was written. */
  updateFrom(known: VaultSnapshot | null, change: (content: VaultContent) => VaultContent | Promise<VaultContent>): Promise<VaultSnapshot> {
    const run = this.#queue.then(async () => {
      const current = await this.snapshot(known);
      // A copy: a change that edits its argument in place must not alter `known`.
      const next = await change(current === known ? structuredClone(known.content) : current.content);
      const sealed = await sealVault(await this.#writeKey(current.stored), next);
      await this.area.set({ [VAULT_STORAGE_KEY]: sealed });
      return { content: next, stored: sealed };
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Removes the stored vault (one `remove`), so the next write starts an empty one. Used only when it cannot be opened. */
  reset(): Promise<void> {
    const run = this.#queue.then(() => this.area.remove(VAULT_STORAGE_KEY));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #open(stored: unknown): Promise<VaultContent> {
    if (stored === undefined) return emptyVault();
    const key = await this.keys.load();
    if (key === null) throw new VaultError('vault_key_missing', 'The vault key is gone (browser data cleared?): the vault cannot be opened.');
    return openVault(key, stored);
  }

  /** The key to seal with: the existing one, or a new one when there is no vault yet (`stored`: what storage holds). */
  async #writeKey(stored: unknown): Promise<VaultKey> {
    const existing = await this.keys.load();
    if (existing !== null) return existing;
    if (stored !== undefined) throw new VaultError('vault_key_missing', 'The vault key is gone: refusing to overwrite the vault.');
    const fresh = await generateVaultKey();
    await this.keys.save(fresh);
    return fresh;
  }
}

/** An in-memory StorageArea (tests, and a model of the real one). `failSet` simulates quota errors. */
export class MemoryStorageArea implements StorageArea {
  readonly data = new Map<string, unknown>();
  failSet: Error | null = null;

  async get(keys: string | string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const k of typeof keys === 'string' ? [keys] : keys) if (this.data.has(k)) out[k] = structuredClone(this.data.get(k));
    return out;
  }

  async set(items: Record<string, unknown>): Promise<void> {
    if (this.failSet) throw this.failSet;
    for (const [k, v] of Object.entries(items)) this.data.set(k, structuredClone(v));
  }

  async remove(keys: string | string[]): Promise<void> {
    for (const k of typeof keys === 'string' ? [keys] : keys) this.data.delete(k);
  }
}

/** A VaultKeyStore in memory (tests). */
export class MemoryKeyStore implements VaultKeyStore {
  key: VaultKey | null = null;
  async load(): Promise<VaultKey | null> {
    return this.key;
  }
  async save(key: VaultKey): Promise<void> {
    this.key = key;
  }
}
