/**
 * Concurrency across real server processes: N simultaneous provisions with one
 * activation code, and N simultaneous verifications of one code, spread over
 * two processes sharing one PostgreSQL schema (and one process on a SQLite
 * file) → exactly one success each. @see PROTOCOL.md §3, §7
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirm, createProvisionRequest, openProvisionResponse } from '../../../core/protocol/client.ts';
import type { AppContext } from '../../context.ts';
import { openDatabase, type DatabaseHandle } from '../../db/index.ts';
import { freshSchema, TEST_PG_URL } from '../../db/test-databases.ts';
import { MasterKey } from '../../secrets.ts';
import { issueActivation } from '../../store/activations.ts';
import { createApiKey } from '../../store/api-keys.ts';
import { addUser, codeOf, T0, testConfig } from '../../testing/harness.ts';
import { httpFetch, startServer, type ServerProcess } from '../../testing/processes.ts';

const N = 16;

interface Setup {
  name: string;
  processes: number;
  db: () => { options: Parameters<typeof openDatabase>[0]; env: Record<string, string> };
}

const setups: Setup[] = [
  {
    name: 'two processes on one PostgreSQL schema',
    processes: 2,
    db: () => {
      const schema = freshSchema();
      return { options: { databaseUrl: TEST_PG_URL, schema, poolSize: 2 }, env: { DATABASE_URL: TEST_PG_URL, JETON_DATABASE_SCHEMA: schema } };
    },
  },
  {
    name: 'one process on a SQLite file',
    processes: 1,
    db: () => {
      const dir = mkdtempSync(join(tmpdir(), 'jeton-mp-'));
      return { options: { sqliteFile: join(dir, 'jeton.db') }, env: { JETON_DATA_DIR: dir, DATABASE_URL: '' } };
    },
  },
].filter((s) => process.env.JETON_TEST_PG !== '0' || !s.name.includes('PostgreSQL'));

for (const setup of setups) {
  describe(`concurrency with ${setup.name}`, () => {
    let handle: DatabaseHandle;
    let ctx: AppContext;
    let servers: ServerProcess[] = [];

    beforeAll(async () => {
      const { options, env } = setup.db();
      handle = await openDatabase(options);
      const masterKey = MasterKey.generate();
      ctx = { config: testConfig(), db: handle.db, dialect: handle.dialect, masterKey, mailer: { send: async () => {} }, now: () => T0 };
      const serverEnv = { ...env, JETON_MASTER_KEY: masterKey.toText(), JETON_TEST_NOW: String(T0), JETON_RATE_LIMIT_FACTOR: '0', JETON_DATA_DIR: env.JETON_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'jeton-mp-')) };
      servers = await Promise.all(Array.from({ length: setup.processes }, () => startServer(serverEnv)));
    }, 60_000);

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await handle?.close();
    });

    it('lets exactly one of N simultaneous provisions with one code succeed, then exactly one of N verifications of one code', async () => {
      const user = await addUser(ctx, 'format01');
      const act = await issueActivation(ctx, user, 'teleacces');
      const attempts = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const server = servers[i % servers.length]!;
          const serverUrl = `${server.url}/aotp/v1/provision?profile=teleacces`;
          return createProvisionRequest({ serverUrl, userId: 'format01', code: act.code }).then((r) => ({ ...r, serverUrl }));
        }),
      );
      const answers = await Promise.all(
        attempts.map(async (a) => {
          const res = await fetch(a.serverUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a.body) });
          return { status: res.status, body: (await res.json()) as Record<string, unknown>, pending: a.pending };
        }),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true);
      const winner = answers.find((a) => a.status === 200)!;
      const token = await openProvisionResponse(winner.pending, winner.body);
      expect(await handle.db.selectFrom('tokens').select('id').execute()).toEqual([{ id: token.envelope.tokenId }]);
      await confirm(httpFetch, token, codeOf(token, T0));

      const { key } = await createApiKey(ctx, 'login-page');
      // The confirming code counts as used (§7): the next step's code, inside the ±1 window.
      const otp = codeOf(token, T0 + 30_000);
      const verdicts = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const res = await fetch(`${servers[i % servers.length]!.url}/aotp/v1/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ userId: 'format01', otp }),
          });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        }),
      );
      expect(verdicts.filter((v) => v.status === 200)).toHaveLength(1);
      expect(verdicts.filter((v) => v.status === 200)[0]!.body).toMatchObject({ ok: true, tokenId: token.envelope.tokenId });
      // The others are copies of the code just accepted: 401 invalid_otp, not counted, so nobody is locked.
      expect(verdicts.filter((v) => v.status === 401 && v.body.error === 'invalid_otp')).toHaveLength(N - 1);
      const row = await handle.db.selectFrom('users').select('login_failures').where('username', '=', 'format01').executeTakeFirstOrThrow();
      expect(row.login_failures).toBe(0);
    }, 60_000);
  });
}
