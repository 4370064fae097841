/**
 * The databases server tests run against: SQLite always, PostgreSQL when
 * reachable (it is on developer and CI machines; `JETON_TEST_PG=0` opts out).
 * Each PostgreSQL opening gets a schema of its own, so test files run in parallel.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseOptions } from '../../server/db/index.ts';

export const TEST_PG_URL = process.env.JETON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  options(): DatabaseOptions;
}

/**
 * `t_<run>_<random>`: the run tag (set by the vitest global setup, base36 of
 * its start time) lets the teardown drop this run's schemas and stale ones
 * without touching those of a run still going on beside it.
 */
export const freshSchema = (): string => `t_${process.env.JETON_TEST_RUN ?? Date.now().toString(36)}_${randomBytes(6).toString('hex')}`;

export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: 'sqlite', options: () => ({ sqliteFile: ':memory:' }) }];
  if (process.env.JETON_TEST_PG !== '0') {
    list.push({ name: 'postgres', options: () => ({ databaseUrl: TEST_PG_URL, schema: freshSchema(), poolSize: 4 }) });
  }
  return list;
}
