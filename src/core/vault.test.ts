/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { b64u, fromB64u, T, utf8 } from './bytes.ts';
import { generateTOTP } from './totp.ts';
import {
  emptyVault,
  generateVaultKey,
  migrateContent,
  openVault,
  parseVaultContent,
  sealVault,
  VAULT_CONTENT_VERSION,
  VAULT_ENVELOPE_VERSION,
  type ContentMigration,
  type TokenRecord,
  type VaultContent,
} from './vault.ts';
import { openSeedWithPin } from './vault-pin.ts';
import { tokenRecord } from '../testing/token-record.ts';

interface Fixture {
  key: { id: string; raw: string };
  storage: { vault: unknown };
  expect: {
    settings: unknown;
    ids: string[];
    pin: string;
    at: number;
    codes: Record<string, string>;
    states?: Record<string, string>;
    renewal?: Record<string, { tokenId: string; notified: number[] }>;
    clockOffsetMs?: number;
  };
}

// Every vault version that ever shipped: each must still open (and migrate) forever.
const FIXTURES = import.meta.glob<Fixture>('./fixtures/vault-v*.json', { eager: true, import: 'default' });

const importKey = async (raw: Uint8Array) => crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);

const plainToken = (id: string): TokenRecord => tokenRecord(id);

/** Seals arbitrary JSON the way sealVault does, to build vaults the current code would refuse to write. */
async function sealRaw(vaultKey: { id: string; key: CryptoKey }, content: unknown, envelopeVersion = VAULT_ENVELOPE_VERSION) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: T('jeton/vault', envelopeVersion, vaultKey.id) as Uint8Array<ArrayBuffer> },
    vaultKey.key,
    utf8(JSON.stringify(content)) as Uint8Array<ArrayBuffer>,
  );
  return { version: envelopeVersion, keyId: vaultKey.id, iv: b64u(iv), ct: b64u(new Uint8Array(ct)) };
}

describe('vault fixtures', () => {
  it('has a fixture for every content version up to the current one', () => {
    const versions = Object.keys(FIXTURES).map((p) => Number(/vault-v(\d+)\.json$/.exec(p)![1]));
    expect(versions.sort()).toEqual(Array.from({ length: VAULT_CONTENT_VERSION }, (_, i) => i + 1));
  });

  for (const [path, fixture] of Object.entries(FIXTURES)) {
    it(`opens ${path.slice(2)} and its tokens still give the right codes`, async () => {
      const key = { id: fixture.key.id, key: await importKey(fromB64u(fixture.key.raw)) };
      const vault = await openVault(key, fixture.storage.vault);
      expect(vault.version).toBe(VAULT_CONTENT_VERSION);
      // Vaults written before filling existed read it as off.
      expect(vault.settings).toEqual({ autoFill: false, ...(fixture.expect.settings as object) });
      expect(vault.tokens.map((t) => t.id)).toEqual(fixture.expect.ids);
      for (const [id, code] of Object.entries(fixture.expect.codes)) {
        const token = vault.tokens.find((t) => t.id === id)!;
        const seed = token.secret.type === 'plain' ? fromB64u(token.secret.seed) : await openSeedWithPin(token.secret, fixture.expect.pin);
        expect(generateTOTP({ seed, algorithm: token.algorithm, digits: token.digits, period: token.period }, fixture.expect.at)).toBe(code);
      }
      for (const [id, state] of Object.entries(fixture.expect.states ?? {})) expect(vault.tokens.find((t) => t.id === id)!.server!.state).toBe(state);
      for (const [id, r] of Object.entries(fixture.expect.renewal ?? {})) {
        const token = vault.tokens.find((t) => t.id === id)!;
        expect(token.renewal!.server.tokenId).toBe(r.tokenId);
        expect(token.server!.notified).toEqual(r.notified);
      }
      expect(vault.clockOffsetMs).toBe(fixture.expect.clockOffsetMs ?? 0);
    });
  }

  it('migrates v1 content to v2: nothing notified, no renewal, the clock taken as right, states kept', async () => {
    const v1 = FIXTURES['./fixtures/vault-v1.json']!;
    const key = { id: v1.key.id, key: await importKey(fromB64u(v1.key.raw)) };
    const vault = await openVault(key, v1.storage.vault);
    expect(vault.version).toBe(2);
    expect(vault.clockOffsetMs).toBe(0);
    for (const token of vault.tokens) {
      expect(token.renewal).toBeUndefined();
      if (token.server) expect(token.server.notified).toEqual([]);
      if (token.server) expect(['pending', 'active']).toContain(token.server.state);
    }
    // Written back, it stays v2 and opens again with the same content.
    expect(await openVault(key, await sealVault(key, vault))).toEqual(vault);
  });
});

describe('sealVault / openVault', () => {
  it('round-trips the content and keeps nothing readable outside', async () => {
    const key = await generateVaultKey();
    const content: VaultContent = { ...emptyVault(), tokens: [plainToken('a')] };
    const stored = await sealVault(key, content);
    expect(stored).toMatchObject({ version: VAULT_ENVELOPE_VERSION, keyId: key.id });
    expect(JSON.stringify(stored)).not.toContain('format01');
    expect(JSON.stringify(stored)).not.toContain((content.tokens[0]!.secret as { seed: string }).seed);
    expect(await openVault(key, stored)).toEqual(content);
  });

  it('uses a fresh IV each time', async () => {
    const key = await generateVaultKey();
    const a = await sealVault(key, emptyVault());
    const b = await sealVault(key, emptyVault());
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it('rejects another key, an altered vault and a swapped version', async () => {
    const key = await generateVaultKey();
    const other = await generateVaultKey();
    const stored = await sealVault(key, emptyVault());
    await expect(openVault(other, stored)).rejects.toMatchObject({ code: 'vault_key_mismatch' });
    await expect(openVault({ id: key.id, key: other.key }, stored)).rejects.toMatchObject({ code: 'vault_damaged' });
    const ct = fromB64u(stored.ct);
    ct[3]! ^= 1;
    await expect(openVault(key, { ...stored, ct: b64u(ct) })).rejects.toMatchObject({ code: 'vault_damaged' });
    await expect(openVault(key, { ...stored, version: 0 })).rejects.toMatchObject({ code: 'vault_damaged' });
    await expect(openVault(key, 'nonsense')).rejects.toMatchObject({ code: 'vault_damaged' });
  });

  it('rejects a newer envelope version and a newer content version', async () => {
    const key = await generateVaultKey();
    const newerEnvelope = await sealRaw(key, emptyVault(), VAULT_ENVELOPE_VERSION + 1);
    await expect(openVault(key, newerEnvelope)).rejects.toMatchObject({ code: 'vault_too_new' });
    const newerContent = await sealRaw(key, { ...emptyVault(), version: VAULT_CONTENT_VERSION + 1 });
    await expect(openVault(key, newerContent)).rejects.toMatchObject({ code: 'vault_too_new' });
  });

  it('refuses to write content that breaks the format', async () => {
    const key = await generateVaultKey();
    const bad = { ...emptyVault(), tokens: [{ ...plainToken('a'), demo: false }] };
    await expect(sealVault(key, bad)).rejects.toMatchObject({ code: 'vault_damaged' });
  });
});

describe('migrateContent', () => {
  const migrations: Record<number, ContentMigration> = {
    1: (c) => ({ ...c, renamed: c.old, old: undefined }),
    2: (c) => ({ ...c, added: true }),
  };

  it('applies each step from the stored version up to the current one', () => {
    expect(migrateContent({ version: 1, old: 'x' }, migrations, 3)).toEqual({ version: 3, renamed: 'x', old: undefined, added: true });
    expect(migrateContent({ version: 2, renamed: 'y' }, migrations, 3)).toEqual({ version: 3, renamed: 'y', added: true });
    expect(migrateContent({ version: 3, renamed: 'z' }, migrations, 3)).toEqual({ version: 3, renamed: 'z' });
  });

  it('rejects a newer version, a missing step and a missing version', () => {
    expect(() => migrateContent({ version: 4 }, migrations, 3)).toThrow(expect.objectContaining({ code: 'vault_too_new' }));
    expect(() => migrateContent({ version: 1 }, { 2: migrations[2]! }, 3)).toThrow(expect.objectContaining({ code: 'vault_damaged' }));
    expect(() => migrateContent({ tokens: [] }, migrations, 3)).toThrow(expect.objectContaining({ code: 'vault_damaged' }));
  });
});

describe('parseVaultContent', () => {
  it('keeps the demo token apart: no server binding, and only it', () => {
    expect(() => parseVaultContent({ ...emptyVault(), tokens: [plainToken('a')] })).not.toThrow();
    expect(() => parseVaultContent({ ...emptyVault(), tokens: [{ ...plainToken('a'), demo: false }] })).toThrow();
  });

  it('rejects duplicate ids and unknown secret types', () => {
    expect(() => parseVaultContent({ ...emptyVault(), tokens: [plainToken('a'), plainToken('a')] })).toThrow();
    expect(() => parseVaultContent({ ...emptyVault(), tokens: [{ ...plainToken('a'), secret: { type: 'rot13', seed: 'x' } }] })).toThrow();
  });
});
