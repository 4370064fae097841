import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from './index.ts';
import type { Database } from './schema.ts';
import { TEST_PG_URL, testDatabases } from '../../testing/server/databases.ts';

describe('openDatabase', () => {
  for (const target of testDatabases()) {
    it(`migrates and round-trips a user on ${target.name}`, async () => {
      const { db, close } = await openDatabase(target.options());
      try {
        const row = await db
          .insertInto('users')
          .values({ username: 'format01', email: 'f@example.org', password_hash: null, message: 'Bonjour', image_type: null, image_data: null, created_at: 1_764_370_800_000 })
          .returning(['id', 'created_at', 'login_failures'])
          .executeTakeFirstOrThrow();
        expect(row.created_at).toBe(1_764_370_800_000);
        expect(row.login_failures).toBe(0);
        expect(typeof row.id).toBe('number');
      } finally {
        await close();
      }
    });
  }

  for (const target of testDatabases().filter((t) => t.name === 'postgres')) {
    it('plans PostgreSQL statements once per connection (generic plans), in the schema it was given, with bounds on lock waits and idle transactions', async () => {
      const options = target.options();
      const { db, close } = await openDatabase(options);
      try {
        const { rows } = await sql<{ mode: string; path: string; lock: string; idle: string }>`SELECT current_setting('plan_cache_mode') AS mode, current_setting('search_path') AS path,
          current_setting('lock_timeout') AS lock, current_setting('idle_in_transaction_session_timeout') AS idle`.execute(db);
        expect(rows).toEqual([{ mode: 'force_generic_plan', path: options.schema, lock: '5s', idle: '30s' }]);
      } finally {
        await close();
      }
    });
  }

  for (const target of testDatabases().filter((t) => t.name === 'postgres')) {
    describe('when PostgreSQL ends a connection or a lock is held', () => {
      const backend = async (db: Kysely<Database>): Promise<number> => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;
      /** Runs `work` on a connection outside the pool under test (an administrator's, say). */
      async function outside<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
        const client = new pg.Client({ connectionString: TEST_PG_URL });
        await client.connect();
        try {
          return await work(client);
        } finally {
          await client.end();
        }
      }
      const until = async (done: () => Promise<boolean> | boolean): Promise<void> => {
        while (!(await done())) await new Promise((r) => setTimeout(r, 20));
      };
      const addUser = (db: Kysely<Database>, username: string) =>
        db.insertInto('users').values({ username, email: `${username}@example.org`, password_hash: null, message: '', image_type: null, image_data: null, created_at: 1 }).execute();

      it('lives on when the server ends an idle connection: it says so, and the next query opens another', async () => {
        const lost: string[] = [];
        const { db, close } = await openDatabase({ ...target.options(), onConnectionLost: (message) => lost.push(message) });
        try {
          const pid = await backend(db);
          await outside((c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
          await until(() => lost.length > 0);
          expect(lost[0]).toMatch(/^PostgreSQL ended an idle connection \(57P01: terminating connection/);
          expect(await backend(db)).not.toBe(pid);
        } finally {
          await close();
        }
      });

      it('lives on when the server ends a connection inside a transaction: the transaction fails, nothing of it is kept', async () => {
        const { db, close } = await openDatabase(target.options());
        try {
          const failed = db.transaction().execute(async (tx) => {
            await addUser(tx, 'format01');
            const pid = await backend(tx);
            await outside((c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
            // The session is gone while this transaction has no statement running: the error comes on its own.
            await until(async () => (await outside((c) => c.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]))).rowCount === 0);
            await addUser(tx, 'format02');
          });
          await expect(failed).rejects.toThrow();
          expect(await db.selectFrom('users').select('username').execute()).toEqual([]);
        } finally {
          await close();
        }
      });

      it('opens a new schema that several instances create and migrate at the same moment (start-together.test.ts starts real processes)', async () => {
        const options = target.options();
        const handles = await Promise.allSettled([openDatabase(options), openDatabase(options), openDatabase(options)]);
        try {
          expect(handles.map((h) => (h.status === 'rejected' ? String(h.reason) : 'opened'))).toEqual(['opened', 'opened', 'opened']);
        } finally {
          for (const h of handles) if (h.status === 'fulfilled') await h.value.close();
        }
      });

      describe('when a lock the migrations need is held longer than the lock timeout (a backup, a long transaction)', () => {
        /**
         * Runs `work` while a transaction outside the pool holds the migrations' table of a migrated schema: its
         * migrations wait out the lock timeout (50 ms here) until `release`, and are tried again without a pause.
         */
        async function whileHeld(work: (open: (options: Partial<DatabaseOptions>) => Promise<DatabaseHandle>, release: () => Promise<void>) => Promise<void>): Promise<void> {
          const options = target.options();
          await (await openDatabase(options)).close();
          const client = new pg.Client({ connectionString: TEST_PG_URL });
          await client.connect();
          try {
            await client.query('BEGIN');
            await client.query(`LOCK TABLE ${client.escapeIdentifier(options.schema!)}.kysely_migration IN ACCESS EXCLUSIVE MODE`);
            await work(
              (more) => openDatabase({ ...options, lockTimeoutMs: 50, migrationPauseMs: 0, ...more }),
              async () => void (await client.query('COMMIT')),
            );
          } finally {
            await client.end();
          }
        }
        const HELD = "another session holds a lock on Jeton's tables (a backup, a long transaction) longer than the lock timeout";

        it('tries the migrations again after a pause, says so each time, and opens once the lock is released', async () => {
          await whileHeld(async (open, release) => {
            const waits: string[] = [];
            const { db, close } = await open({
              migrationAttempts: 100,
              onMigrationWait: (message) => {
                waits.push(message);
                if (waits.length === 2) void release();
              },
            });
            try {
              expect(waits.length).toBeGreaterThanOrEqual(2);
              expect(waits[0]).toBe(`Migrations waiting: ${HELD}; trying again in 0 s (attempt 2 of 100).`);
              await addUser(db, 'format01');
              expect(await db.selectFrom('users').select('username').execute()).toEqual([{ username: 'format01' }]);
            } finally {
              await close();
            }
          });
        });

        it('fails the start after its attempts with an error that says why', async () => {
          await whileHeld(async (open) => {
            const waits: string[] = [];
            const opening = open({ migrationAttempts: 3, onMigrationWait: (message) => waits.push(message) });
            await expect(opening).rejects.toThrow(`The database could not be migrated: ${HELD} (3 attempts). Start again once it is released.`);
            await expect(opening).rejects.toMatchObject({ cause: { code: '55P03' } });
            expect(waits).toHaveLength(2);
          });
        });
      });

      it('gives up a row lock held longer than the lock timeout, and ends a transaction left idle past its limit, which frees its locks', async () => {
        const options = target.options();
        const { db, close } = await openDatabase({ ...options, lockTimeoutMs: 200 });
        const stalled = await openDatabase({ ...options, idleInTransactionTimeoutMs: 300 });
        try {
          await addUser(db, 'format01');
          // An instance takes the user's row and stops mid-transaction (frozen, cut off).
          let resume = () => {};
          const held = stalled.db.transaction().execute(async (tx) => {
            await tx.updateTable('users').set({ message: 'stalled' }).where('username', '=', 'format01').execute();
            await new Promise<void>((r) => (resume = r));
            await tx.updateTable('users').set({ message: 'too late' }).where('username', '=', 'format01').execute();
          });
          await until(async () => (await outside((c) => c.query("SELECT 1 FROM pg_locks WHERE locktype = 'transactionid' AND mode = 'ExclusiveLock'"))).rowCount! > 0);
          // Meanwhile the other instance's write waits for the row, then fails with the lock timeout's error.
          await expect(db.updateTable('users').set({ login_failures: 1 }).where('username', '=', 'format01').execute()).rejects.toMatchObject({ code: '55P03' });
          // PostgreSQL ends the stalled session: its row is free again, its change undone.
          await until(async () => {
            try {
              await db.updateTable('users').set({ login_failures: 1 }).where('username', '=', 'format01').execute();
              return true;
            } catch {
              return false;
            }
          });
          resume();
          await expect(held).rejects.toThrow();
          expect(await db.selectFrom('users').select(['message', 'login_failures']).execute()).toEqual([{ message: '', login_failures: 1 }]);
          // The stalled instance's pool works again.
          expect(await stalled.db.selectFrom('users').select('username').execute()).toEqual([{ username: 'format01' }]);
        } finally {
          await stalled.close();
          await close();
        }
      });
    });
  }

  it('keeps data in a SQLite file across reopenings, in a directory it makes for its owner alone', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'jeton-')), 'data');
    const file = join(dir, 'jeton.db');
    const first = await openDatabase({ sqliteFile: file });
    await first.db.insertInto('api_keys').values({ name: 'login', key_hash: 'h', created_at: 1 }).execute();
    await first.close();
    const second = await openDatabase({ sqliteFile: file });
    expect(await second.db.selectFrom('api_keys').select('name').execute()).toEqual([{ name: 'login' }]);
    await second.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
