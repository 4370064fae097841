/**
 * The vault key in IndexedDB: a non-extractable AES-GCM CryptoKey, which
 * Chrome and Firefox both store as is (structured clone), so no script can
 * read its bytes. @see docs/vault.md "Threat model"
 */
import type { VaultKey, VaultKeyStore } from '../core/vault-store.ts';

const DB = 'jeton';
const STORE = 'keys';
const VAULT_KEY = 'vault';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
  });
}

function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = action(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(req.result as T);
        };
        tx.onerror = tx.onabort = () => {
          db.close();
          reject(tx.error ?? new Error('IndexedDB transaction failed'));
        };
      }),
  );
}

/** The vault key store of the extension. The key is cached for the life of the worker (it is not state: IndexedDB is). */
export function indexedDBKeyStore(): VaultKeyStore {
  let cached: VaultKey | null = null;
  return {
    async load() {
      if (cached) return cached;
      const value = await run<unknown>('readonly', (s) => s.get(VAULT_KEY));
      const entry = value as Partial<VaultKey> | undefined;
      if (entry && typeof entry.id === 'string' && entry.key instanceof CryptoKey) cached = { id: entry.id, key: entry.key };
      return cached;
    },
    async save(key) {
      await run('readwrite', (s) => s.put({ id: key.id, key: key.key }, VAULT_KEY));
      cached = key;
    },
  };
}
