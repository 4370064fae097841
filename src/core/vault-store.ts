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
    const stored = (await this.area.get(VAULT_STORAGE_KEY))[VAULT_STORAGE_KEY];
    if (stored === undefined) return emptyVault();
    const key = await this.keys.load();
    if (key === null) throw new VaultError('vault_key_missing', 'The vault key is gone (browser data cleared?): the vault cannot be opened.');
    return openVault(key, stored);
  }

  /**
   * Applies `change` to the current content and writes the result in one `set`.
   * If `change` or the write throws, storage keeps the previous vault.
   */
  update(change: (content: VaultContent) => VaultContent | Promise<VaultContent>): Promise<VaultContent> {
    const run = this.#queue.then(async () => {
      const next = await change(await this.read());
      const key = await this.#writeKey();
      await this.area.set({ [VAULT_STORAGE_KEY]: await sealVault(key, next) });
      return next;
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

  /** The key to seal with: the existing one, or a new one when there is no vault yet. */
  async #writeKey(): Promise<VaultKey> {
    const existing = await this.keys.load();
    if (existing !== null) return existing;
    const stored = (await this.area.get(VAULT_STORAGE_KEY))[VAULT_STORAGE_KEY];
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
