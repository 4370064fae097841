/**
 * Vitest global setup: tags this run's PostgreSQL test schemas and, at the
 * end, drops them along with any `t_…` schema left behind by a run that
 * started more than an hour ago (or predates run tags).
 */
import pg from 'pg';
import { TEST_PG_URL } from './databases.ts';

const STALE_MS = 3_600_000;

export function setup(): void {
  process.env.JETON_TEST_RUN ??= Date.now().toString(36);
}

/** Whether a test schema can go: this run's, or older than STALE_MS (run tags are base36 ms). */
export function isDroppable(schema: string, run: string, now: number): boolean {
  const m = /^t_([0-9a-z]+)_[0-9a-f]+$/.exec(schema);
  if (!m) return /^t_[0-9a-f]{12}$/.test(schema); // untagged: from before run tags
  if (m[1] === run) return true;
  const started = Number.parseInt(m[1]!, 36);
  return Number.isFinite(started) && now - started > STALE_MS;
}

export async function teardown(): Promise<void> {
  if (process.env.JETON_TEST_PG === '0') return;
  const run = process.env.JETON_TEST_RUN ?? '';
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } catch {
    return; // no PostgreSQL: nothing was created there
  }
  try {
    const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'");
    const now = Date.now();
    for (const { nspname } of rows) {
      if (isDroppable(nspname, run, now)) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    }
  } finally {
    await client.end();
  }
}
