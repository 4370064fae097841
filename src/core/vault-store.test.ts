import { describe, expect, it } from 'vitest';
import { b64u } from './bytes.ts';
import { emptyVault, VAULT_STORAGE_KEY, type TokenRecord } from './vault.ts';
import { MemoryKeyStore, MemoryStorageArea, VaultStore } from './vault-store.ts';
import { tokenRecord } from '../testing/token-record.ts';

const token = (id: string): TokenRecord =>
  tokenRecord(id, { issuer: 'Jeton', userId: 'demo', secret: { type: 'plain', seed: b64u(new Uint8Array(20).fill(id.length)) } });

/** Counts the `set` calls, to show a write is exactly one. */
class CountingArea extends MemoryStorageArea {
  sets = 0;
  override async set(items: Record<string, unknown>): Promise<void> {
    this.sets += 1;
    return super.set(items);
  }
}

describe('VaultStore', () => {
  it('reads an empty vault before the first write, and creates the key on first write', async () => {
    const keys = new MemoryKeyStore();
    const store = new VaultStore(new MemoryStorageArea(), keys);
    expect(await store.read()).toEqual(emptyVault());
    expect(keys.key).toBeNull();
    await store.update((v) => ({ ...v, tokens: [token('a')] }));
    expect(keys.key).not.toBeNull();
    expect((await store.read()).tokens.map((t) => t.id)).toEqual(['a']);
  });

  it('writes the whole vault in a single set of a single key', async () => {
    const area = new CountingArea();
    const store = new VaultStore(area, new MemoryKeyStore());
    await store.update((v) => ({ ...v, tokens: [token('a'), token('bb')] }));
    expect(area.sets).toBe(1);
    expect([...area.data.keys()]).toEqual([VAULT_STORAGE_KEY]);
  });

  it('leaves the previous vault intact when the write fails (quota exceeded)', async () => {
    const area = new MemoryStorageArea();
    const store = new VaultStore(area, new MemoryKeyStore());
    await store.update((v) => ({ ...v, tokens: [token('a')] }));
    const before = structuredClone(area.data.get(VAULT_STORAGE_KEY));
    area.failSet = new Error('QUOTA_BYTES quota exceeded');
    await expect(store.update((v) => ({ ...v, tokens: [...v.tokens, token('bb')] }))).rejects.toThrow(/quota/);
    expect(area.data.get(VAULT_STORAGE_KEY)).toEqual(before);
    area.failSet = null;
    expect((await store.read()).tokens.map((t) => t.id)).toEqual(['a']);
    // And the store keeps working afterwards.
    await store.update((v) => ({ ...v, tokens: [...v.tokens, token('ccc')] }));
    expect((await store.read()).tokens.map((t) => t.id)).toEqual(['a', 'ccc']);
  });

  it('leaves the previous vault intact when the change itself throws or is invalid', async () => {
    const area = new MemoryStorageArea();
    const store = new VaultStore(area, new MemoryKeyStore());
    await store.update((v) => ({ ...v, tokens: [token('a')] }));
    const before = structuredClone(area.data.get(VAULT_STORAGE_KEY));
    await expect(
      store.update(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(store.update((v) => ({ ...v, tokens: [token('a'), token('a')] }))).rejects.toMatchObject({ code: 'vault_damaged' });
    expect(area.data.get(VAULT_STORAGE_KEY)).toEqual(before);
  });

  it('serialises concurrent updates so none is lost', async () => {
    const store = new VaultStore(new MemoryStorageArea(), new MemoryKeyStore());
    await Promise.all(['a', 'bb', 'ccc', 'dddd'].map((id) => store.update((v) => ({ ...v, tokens: [...v.tokens, token(id)] }))));
    expect((await store.read()).tokens.map((t) => t.id).sort()).toEqual(['a', 'bb', 'ccc', 'dddd']);
  });

  it('refuses to open or overwrite a vault whose key is gone', async () => {
    const area = new MemoryStorageArea();
    const keys = new MemoryKeyStore();
    await new VaultStore(area, keys).update((v) => ({ ...v, tokens: [token('a')] }));
    const before = structuredClone(area.data.get(VAULT_STORAGE_KEY));
    const lost = new VaultStore(area, new MemoryKeyStore());
    await expect(lost.read()).rejects.toMatchObject({ code: 'vault_key_missing' });
    await expect(lost.update(() => emptyVault())).rejects.toMatchObject({ code: 'vault_key_missing' });
    expect(area.data.get(VAULT_STORAGE_KEY)).toEqual(before);
  });
});
