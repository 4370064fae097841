/**
 * Several real server processes on one database, for the tests that must
 * hold across instances: two processes sharing one PostgreSQL schema, and
 * one process on a SQLite file. Each cluster has its own schema or file and
 * a context on the same database for the test's own setup.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../server/context.ts';
import { openDatabase, type DatabaseHandle } from '../../server/db/index.ts';
import { freshSchema, TEST_PG_URL } from './databases.ts';
import { MasterKey } from '../../server/secrets.ts';
import { T0, testConfig } from './harness.ts';
import { startServer, type ServerProcess } from './processes.ts';

export interface ClusterSetup {
  name: string;
  processes: number;
  postgres: boolean;
}

/** Where cross-instance guarantees are shown; PostgreSQL is left out when JETON_TEST_PG=0. */
export const CLUSTER_SETUPS: ClusterSetup[] = [
  { name: 'two processes on one PostgreSQL schema', processes: 2, postgres: true },
  { name: 'one process on a SQLite file', processes: 1, postgres: false },
].filter((s) => process.env.JETON_TEST_PG !== '0' || !s.postgres);

export interface Cluster {
  /** A context on the servers' database, its clock pinned at T0 like theirs. */
  ctx: AppContext;
  handle: DatabaseHandle;
  servers: ServerProcess[];
  /** The base URL of the server for the i-th request: requests alternate between processes. */
  url(i: number): string;
  stop(): Promise<void>;
}

/** Opens a fresh database for `setup` and starts its processes with `env` added (clock pinned at T0). */
export async function startCluster(setup: ClusterSetup, env: Record<string, string> = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'jeton-cluster-'));
  const schema = freshSchema();
  const handle = await openDatabase(setup.postgres ? { databaseUrl: TEST_PG_URL, schema, poolSize: 2 } : { sqliteFile: join(dir, 'jeton.db') });
  const masterKey = MasterKey.generate();
  const ctx: AppContext = { config: testConfig(), db: handle.db, dialect: handle.dialect, masterKey, mailer: { send: async () => {} }, now: () => T0 };
  const dbEnv: Record<string, string> = setup.postgres ? { DATABASE_URL: TEST_PG_URL, JETON_DATABASE_SCHEMA: schema } : { DATABASE_URL: '' };
  const serverEnv = { ...dbEnv, JETON_DATA_DIR: dir, JETON_MASTER_KEY: masterKey.toText(), JETON_TEST_NOW: String(T0), ...env };
  let servers: ServerProcess[] = [];
  try {
    servers = await Promise.all(Array.from({ length: setup.processes }, () => startServer(serverEnv)));
  } catch (err) {
    await handle.close();
    throw err;
  }
  return {
    ctx,
    handle,
    servers,
    url: (i) => servers[i % servers.length]!.url,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await handle.close();
    },
  };
}
