/**
 * Opens the database: SQLite in a file by default, PostgreSQL when a URL is
 * given. Same schema, same queries, same migrations on both.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import { nameHotStatements } from './statements.ts';
import type { Database } from './schema.ts';

// BIGINT columns hold milliseconds, well inside Number's safe range.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/** SQLite's page cache: the database file's hot part stays in memory. */
const CACHE_KIB = 64 * 1024;

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…`; when absent, SQLite at `sqliteFile`. */
  databaseUrl?: string | undefined;
  sqliteFile?: string;
  /** PostgreSQL schema to use (created if missing); tests give each run its own. */
  schema?: string;
  poolSize?: number;
  /**
   * PostgreSQL: told when the server ends one of the pool's idle connections
   * (a restart, a failover, an administrator, the idle-transaction limit
   * below). The pool drops that connection and opens another at the next query.
   */
  onConnectionLost?: (message: string) => void;
  /** PostgreSQL: how long a statement may wait for a row lock before it fails (ms). */
  lockTimeoutMs?: number;
  /** PostgreSQL: how long a connection may sit idle inside a transaction before the server ends it (ms). */
  idleInTransactionTimeoutMs?: number;
  /** PostgreSQL: told each time the migrations wait out the lock timeout and are tried again. */
  onMigrationWait?: (message: string) => void;
  /** PostgreSQL: how many times the migrations are tried when a lock stays held (default 12). */
  migrationAttempts?: number;
  /** PostgreSQL: the pause before trying the migrations again (ms, default 5 s). */
  migrationPauseMs?: number;
}

/**
 * Bounds on a stall. One batch of a kind runs at a time (store/batch.ts), so a
 * batch waiting on a row lock holds back every login of its instance behind
 * it: a statement gives up after 5 s (the batch's callers are then run again
 * one by one, and only the one on the locked row fails), and a transaction
 * whose instance has stopped talking mid-way (frozen, cut off) is ended by
 * PostgreSQL after 30 s, which frees its locks. Jeton's own transactions take
 * milliseconds and never wait on anything but the database.
 */
const LOCK_TIMEOUT_MS = 5_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * The migrations wait for their locks as any statement does, no longer than
 * the lock timeout: a schema change queued behind a long reader (a backup's
 * pg_dump holds its locks for the whole dump) would hold back every query of
 * the other instances on that table behind it. They give way instead, and are
 * tried again after a pause (one transaction: nothing is half done), for
 * about two minutes in all before the start fails and says why.
 */
const MIGRATION_ATTEMPTS = 12;
const MIGRATION_PAUSE_MS = 5_000;
/** PostgreSQL's lock_not_available: a statement waited lock_timeout for a lock. */
const LOCK_NOT_AVAILABLE = '55P03';
/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** A SQLite connection's cached `prepare`, for statements run synchronously (store/prepared.ts), and whether a transaction is open on it. */
export type SqliteStatements = Pick<SQLite.Database, 'prepare' | 'inTransaction'>;

const sqliteConnections = new WeakMap<Kysely<Database>, SqliteStatements>();

/** The SQLite connection behind a handle (undefined on PostgreSQL); a transaction of the handle uses this same connection. */
export function sqliteConnection(db: Kysely<Database>): SqliteStatements | undefined {
  return sqliteConnections.get(db);
}

/**
 * Kysely's SQLite driver prepares every statement anew; compiling the SQL is a
 * good part of a short query's cost. The server runs a handful of distinct
 * statements, so each is prepared once and reused (bounded, in case of many).
 */
function withStatementCache(sqlite: SQLite.Database, max = 1_000): SqliteDatabase & SqliteStatements {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => void sqlite.close(),
    get inTransaction() {
      return sqlite.inTransaction;
    },
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  } as SqliteDatabase & SqliteStatements;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (options.databaseUrl) {
    dialect = 'postgres';
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('Invalid schema name.');
    if (schema) {
      const admin = new pg.Client({ connectionString: options.databaseUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } catch (error) {
        // Instances starting together: IF NOT EXISTS checks before it creates, so
        // all but one may find the schema made meanwhile (a unique violation).
        if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // Generic plans: the hot statements are named (db/statements.ts) to be planned
    // once per connection, but by default PostgreSQL plans a statement over
    // arrays anew on every run (only then does it know the arrays' length, and
    // a plan for the real length always looks cheaper). Planned once, its CPU
    // per provision+confirm pair fell from 620–640 µs to 430–540 µs. Set by a
    // statement, not a startup option, which poolers such as PgBouncer refuse;
    // it runs before any other on the new connection, with the bounds on a
    // stall (LOCK_TIMEOUT_MS). A server older than PostgreSQL 12 (past its end
    // of life) does not know the setting and refuses the three together: it
    // keeps its default plans and no bounds, and Jeton works as before.
    pool.on('connect', (client) => {
      // A connection in use has no listener of the pool's: an error the server sends then (it ended the
      // session inside a transaction) would end the process. The transaction fails at its next statement
      // instead, and the pool drops the connection when it comes back (pg-pool checks it is still queryable).
      client.on('error', () => undefined);
      const lockMs = Math.round(options.lockTimeoutMs ?? LOCK_TIMEOUT_MS);
      const idleMs = Math.round(options.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS);
      void client.query(`SET lock_timeout = ${lockMs}; SET idle_in_transaction_session_timeout = ${idleMs}; SET plan_cache_mode = force_generic_plan`).catch(() => undefined);
    });
    // An idle connection the server ended: without a listener, the pool's 'error' event would end the process.
    pool.on('error', (err: Error & { code?: string }) => options.onConnectionLost?.(`PostgreSQL ended an idle connection (${err.code ?? 'no code'}: ${err.message}); the next query opens another.`));
    nameHotStatements(pool);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    const file = options.sqliteFile ?? ':memory:';
    // A directory it makes is the owner's alone: the file holds password hashes and sealed seeds.
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // A page cache that holds a busy server's hot pages (the default is 2 MiB); it does not change when a commit
    // is durable. No memory-mapped I/O: there a disk error ends the process (SIGBUS) instead of failing one request.
    sqlite.pragma(`cache_size = -${CACHE_KIB}`);
    sqlite.pragma('temp_store = MEMORY');
    const statements = withStatementCache(sqlite);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
    sqliteConnections.set(db, statements);
  }
  try {
    await migrate(db, dialect, options);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect, close: () => db.destroy() };
}

/**
 * Brings the schema up to date, one process at a time: on PostgreSQL under
 * Kysely's lock, tried again while a lock held elsewhere outlasts the lock
 * timeout; on SQLite under the file's write lock.
 */
async function migrate(db: Kysely<Database>, dialect: Dialect, options: DatabaseOptions): Promise<void> {
  // Areas of the server add their migrations independently; order by name, tolerate gaps.
  // With a schema, Kysely must keep its migration tables there too: it otherwise
  // finds another schema's `kysely_migration` by introspection and skips creating its own.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    allowUnorderedMigrations: true,
    ...(options.schema ? { migrationTableSchema: options.schema } : {}),
  });
  const latest = async (): Promise<void> => {
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
  };
  if (dialect === 'sqlite') {
    // Kysely takes no lock on SQLite (it expects one process): two processes
    // opening a new file at once (a server and the admin CLI, say) would both
    // run the first migration, and one would fail on a table the other made.
    // The write lock, taken first, makes the second wait (busy_timeout) and
    // find the schema up to date; and the migrations are all or nothing, as on
    // PostgreSQL. Jeton's migrations are DDL, which SQLite runs in a transaction.
    await sql`BEGIN IMMEDIATE`.execute(db);
    try {
      await latest();
    } catch (error) {
      // SQLite may have ended the transaction itself (a full disk): the first error is the one to tell.
      await sql`ROLLBACK`.execute(db).catch(() => undefined);
      throw error;
    }
    await sql`COMMIT`.execute(db);
    return;
  }
  const attempts = options.migrationAttempts ?? MIGRATION_ATTEMPTS;
  const pauseMs = options.migrationPauseMs ?? MIGRATION_PAUSE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await latest();
    } catch (error) {
      if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
      const held = `another session holds a lock on Jeton's tables (a backup, a long transaction) longer than the lock timeout`;
      if (attempt >= attempts) throw new Error(`The database could not be migrated: ${held} (${attempts} attempts). Start again once it is released.`, { cause: error });
      options.onMigrationWait?.(`Migrations waiting: ${held}; trying again in ${Math.round(pauseMs / 1000)} s (attempt ${attempt + 1} of ${attempts}).`);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
