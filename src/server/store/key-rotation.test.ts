import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateTOTP } from '../../core/totp.ts';
import { runCli } from '../cli/commands.ts';
import { testDatabases } from '../../testing/server/databases.ts';
import { MasterKey } from '../secrets.ts';
import { activeToken, issue, useHarness } from '../../testing/server/harness.ts';
import { keyFile, nextKeyFile, opensDatabase, resealAll, settleInterruptedRotation } from './key-rotation.ts';
import { seedContext } from './tokens/row.ts';
import { verifyCode } from '../verify.ts';

for (const target of testDatabases()) {
  describe(`master key rotation (${target.name})`, () => {
    const h = useHarness(target);
    beforeEach(async () => {
      // One active token and one open activation: both kinds of sealed value.
      await activeToken(h, 'format01');
      await issue(h, 'format01');
      h.advance(60_000);
    });

    it('re-seals every secret under the new key and the token keeps verifying', async () => {
      const next = MasterKey.generate();
      const counts = await resealAll(h.ctx.db, h.ctx.masterKey, next);
      expect(counts).toEqual({ activations: 2, tokens: 1 });
      expect(await opensDatabase(h.ctx.db, next)).toBe(true);
      expect(await opensDatabase(h.ctx.db, h.ctx.masterKey)).toBe(false);
      const row = await h.ctx.db.selectFrom('tokens').select(['id', 'seed', 'digits', 'period', 'algorithm']).executeTakeFirstOrThrow();
      const seed = next.openSync(row.seed, seedContext(row.id));
      const ctx = { ...h.ctx, masterKey: next };
      expect(await verifyCode(ctx, 'format01', generateTOTP({ seed, algorithm: row.algorithm, digits: row.digits, period: row.period }, h.now()))).toMatchObject({ ok: true });
    });

    it('changes nothing when the current key is not the one in use', async () => {
      const before = await h.ctx.db.selectFrom('tokens').select('seed').execute();
      await expect(resealAll(h.ctx.db, MasterKey.generate(), MasterKey.generate())).rejects.toThrow();
      expect(await h.ctx.db.selectFrom('tokens').select('seed').execute()).toEqual(before);
      expect(await opensDatabase(h.ctx.db, h.ctx.masterKey)).toBe(true);
    });

    it('settles a rotation interrupted before or after its commit', async () => {
      const dir = h.ctx.config.dataDir;
      const log: string[] = [];
      const next = MasterKey.generate();
      writeFileSync(nextKeyFile(dir), next.toText());
      // Not committed: the data still opens with the current key.
      expect((await settleInterruptedRotation(h.ctx.db, dir, h.ctx.masterKey, (m) => void log.push(m))).toText()).toBe(h.ctx.masterKey.toText());
      expect(existsSync(nextKeyFile(dir))).toBe(false);
      // Committed, then interrupted before the rename.
      writeFileSync(nextKeyFile(dir), next.toText());
      await resealAll(h.ctx.db, h.ctx.masterKey, next);
      expect((await settleInterruptedRotation(h.ctx.db, dir, h.ctx.masterKey, (m) => void log.push(m))).toText()).toBe(next.toText());
      expect(readFileSync(keyFile(dir), 'utf8').trim()).toBe(next.toText());
      expect(log).toHaveLength(2);
    });

    it('discards a master.key.next cut while being written (its rotation never committed), and keeps the current key', async () => {
      const dir = h.ctx.config.dataDir;
      for (const cut of ['', MasterKey.generate().toText().slice(0, 20)]) {
        const log: string[] = [];
        writeFileSync(nextKeyFile(dir), cut);
        expect((await settleInterruptedRotation(h.ctx.db, dir, h.ctx.masterKey, (m) => void log.push(m))).toText()).toBe(h.ctx.masterKey.toText());
        expect(existsSync(nextKeyFile(dir))).toBe(false);
        expect(log).toEqual(['Discarded master.key.next left by a rotation that did not commit.']);
      }
    });

    it('rotates from the CLI, printing the new key when it comes from the environment', async () => {
      const out: string[] = [];
      const ctx = { ...h.ctx, config: { ...h.ctx.config, masterKey: h.ctx.masterKey.toText() } };
      const code = await runCli(['key', 'rotate', '--json'], { out: (l) => void out.push(l), err: () => {}, readFile: () => new Uint8Array() }, { context: async () => ({ ...ctx, close: async () => {} }) });
      expect(code).toBe(0);
      const result = JSON.parse(out.at(-1)!) as { newKey: string; tokens: number };
      expect(result.tokens).toBe(1);
      expect(await opensDatabase(h.ctx.db, MasterKey.fromText(result.newKey))).toBe(true);
    });
  });
}
