import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './index.ts';
import { testDatabases } from '../../testing/server/databases.ts';

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
    it('plans PostgreSQL statements once per connection (generic plans), in the schema it was given', async () => {
      const options = target.options();
      const { db, close } = await openDatabase(options);
      try {
        const { rows } = await sql<{ mode: string; path: string }>`SELECT current_setting('plan_cache_mode') AS mode, current_setting('search_path') AS path`.execute(db);
        expect(rows).toEqual([{ mode: 'force_generic_plan', path: options.schema }]);
      } finally {
        await close();
      }
    });
  }

  it('keeps data in a SQLite file across reopenings', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jeton-')), 'jeton.db');
    const first = await openDatabase({ sqliteFile: file });
    await first.db.insertInto('api_keys').values({ name: 'login', key_hash: 'h', created_at: 1 }).execute();
    await first.close();
    const second = await openDatabase({ sqliteFile: file });
    expect(await second.db.selectFrom('api_keys').select('name').execute()).toEqual([{ name: 'login' }]);
    await second.close();
  });
});
