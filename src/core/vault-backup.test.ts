import { describe, expect, it } from 'vitest';
import { b64u, fromB64u } from './bytes.ts';
import { exportBackup, importBackup, mergeTokens } from './vault-backup.ts';
import type { ServerBinding, TokenRecord } from './vault.ts';
import { sealSeedWithPin } from './vault-pin.ts';
import { tokenRecord } from '../testing/token-record.ts';

const NOW = Date.parse('2026-11-28T23:00:00Z');
const ITER = 1000;

const server = (n: number, exportable: boolean): ServerBinding => ({
  serverUrl: 'https://teleacces.example/aotp/v1/provision?profile=x',
  tokenId: b64u(new Uint8Array(16).fill(n)),
  kStatus: b64u(new Uint8Array(32).fill(n)),
  confirmUrl: 'https://teleacces.example/aotp/v1/confirm',
  statusUrl: 'https://teleacces.example/aotp/v1/status',
  portalUrl: 'https://teleacces.example/virtuel',
  loginOrigins: ['https://teleacces.example'],
  exportable,
  state: 'active',
  pinMinLength: 4,
});

const token = (id: string, n: number, exportable: boolean, secret: TokenRecord['secret'] = { type: 'plain', seed: b64u(new Uint8Array(20).fill(n)) }): TokenRecord =>
  tokenRecord(id, { demo: false, secret, server: server(n, exportable) });

describe('encrypted backups', () => {
  it('holds only exportable tokens, keeps PIN tokens camouflaged, and opens with the password', async () => {
    const pinSecret = await sealSeedWithPin(new Uint8Array(20).fill(9), '2468', ITER);
    const tokens = [token('a', 1, true), token('b', 2, false), token('c', 3, true, pinSecret)];
    const { file, count } = await exportBackup(tokens, 'correct horse', NOW, ITER);
    expect(count).toBe(2);
    expect(file).not.toContain(b64u(new Uint8Array(20).fill(1)));
    expect(JSON.parse(file)).toMatchObject({ format: 'jeton-backup', version: 1, kdf: { name: 'PBKDF2-SHA256', iterations: ITER } });
    const back = await importBackup(file, 'correct horse');
    expect(back.map((t) => t.id)).toEqual(['a', 'c']);
    expect(back[1]!.secret).toEqual(pinSecret);
  });

  it('uses 600,000 PBKDF2 iterations by default', async () => {
    const { file } = await exportBackup([token('a', 1, true)], 'correct horse', NOW);
    expect(JSON.parse(file).kdf.iterations).toBeGreaterThanOrEqual(600_000);
  });

  it('refuses a short password and a vault with nothing exportable', async () => {
    await expect(exportBackup([token('a', 1, true)], 'short', NOW, ITER)).rejects.toMatchObject({ code: 'backup_password_short' });
    await expect(exportBackup([token('b', 2, false)], 'correct horse', NOW, ITER)).rejects.toMatchObject({ code: 'backup_nothing' });
  });

  it('rejects a wrong password, an altered file, another file and a newer version', async () => {
    const { file } = await exportBackup([token('a', 1, true)], 'correct horse', NOW, ITER);
    await expect(importBackup(file, 'wrong horse')).rejects.toMatchObject({ code: 'backup_password' });
    const parsed = JSON.parse(file);
    const ct = fromB64u(parsed.ct);
    ct[0]! ^= 1;
    await expect(importBackup(JSON.stringify({ ...parsed, ct: b64u(ct) }), 'correct horse')).rejects.toMatchObject({ code: 'backup_password' });
    await expect(importBackup(JSON.stringify({ ...parsed, version: 2 }), 'correct horse')).rejects.toMatchObject({ code: 'backup_too_new' });
    await expect(importBackup('{"vault":1}', 'correct horse')).rejects.toMatchObject({ code: 'backup_invalid' });
    await expect(importBackup('not json', 'correct horse')).rejects.toMatchObject({ code: 'backup_invalid' });
  });

  it('adds only the tokens the vault does not hold, with fresh local ids', () => {
    const { tokens, added } = mergeTokens([token('a', 1, true)], [token('a', 1, true), token('c', 3, true)]);
    expect(added).toBe(1);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]!.id).not.toBe('c');
    expect(tokens[1]!.server!.tokenId).toBe(b64u(new Uint8Array(16).fill(3)));
  });
});
