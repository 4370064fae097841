/**
 * Instances that start together on a new database (a deployment of several,
 * a server and the admin CLI): each migrates the schema at start, one at a
 * time, so all of them start and every migration runs once. On SQLite they
 * also share a new data directory without JETON_MASTER_KEY: one key is made.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshSchema, TEST_PG_URL } from '../../testing/server/databases.ts';
import { startServer } from '../../testing/server/processes.ts';
import { MasterKey } from '../secrets.ts';
import { openDatabase, type DatabaseOptions } from './index.ts';
import { migrationProvider } from './migrations.ts';

const PROCESSES = 3;

const targets = [
  { name: 'a new PostgreSQL schema', postgres: true },
  { name: 'a new SQLite file', postgres: false },
].filter((t) => process.env.JETON_TEST_PG !== '0' || !t.postgres);

describe('server processes starting together', () => {
  for (const target of targets) {
    it(`on ${target.name}: all start, and each migration runs once`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jeton-start-'));
      const schema = freshSchema();
      const env = {
        ...(target.postgres ? { DATABASE_URL: TEST_PG_URL, JETON_DATABASE_SCHEMA: schema } : { DATABASE_URL: '' }),
        JETON_DATA_DIR: dir,
        JETON_MASTER_KEY: target.postgres ? MasterKey.generate().toText() : '',
      };
      const started = await Promise.allSettled(Array.from({ length: PROCESSES }, () => startServer(env)));
      const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      try {
        expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(Array(PROCESSES).fill('started'));
        for (const server of servers) expect((await fetch(`${server.url}/virtuel`)).status).toBe(200);
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
      const options: DatabaseOptions = target.postgres ? { databaseUrl: TEST_PG_URL, schema } : { sqliteFile: join(dir, 'jeton.db') };
      const { db, close } = await openDatabase(options);
      try {
        const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
        expect(rows.map((r) => r.name)).toEqual(Object.keys(await migrationProvider.getMigrations()).sort());
        if (!target.postgres) expect(readdirSync(dir).filter((f) => f.startsWith('master.key'))).toEqual(['master.key']);
      } finally {
        await close();
      }
    }, 60_000);
  }
});
