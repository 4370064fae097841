/**
 * Hot queries built and compiled once per SQL dialect, then run with new
 * arguments: Kysely's builder and compiler were about a third of a code
 * verification's CPU when profiled, more than SQLite itself. The query is
 * written with the ordinary builder (typed), with placeholder arguments that
 * are found again among the compiled parameters.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from '../db/schema.ts';
import { sqliteConnection, type SqliteStatements } from '../db/index.ts';
import { registerStatement } from '../db/statements.ts';

type Slot = { arg: number } | { constant: unknown };

/** Distinct placeholder values, one per argument; strings and numbers as the arguments are. */
export type Placeholders<A extends readonly unknown[]> = { [K in keyof A]: A[K] };

/** What `prepared` returns: called, it runs through Kysely, on any handle of its dialect. */
export interface PreparedQuery<A extends readonly unknown[], R> {
  (db: Kysely<Database>, ...args: A): Promise<QueryResult<R>>;
  /**
   * SQLite only: runs at once, on the connection behind the handle `db`, with
   * no promise and no connection lock. Inside a write of the handle's queue
   * (write-queue.ts) it is part of that write's transaction.
   */
  sync(db: Kysely<Database>, ...args: A): { rows: R[]; changes: number };
  /**
   * SQLite only: `sync` when no transaction is open on the connection, so that
   * it reads the committed state, as a queued read would; undefined otherwise
   * (a write of the queue, or any other transaction, is under way).
   */
  syncOutsideTransactions(db: Kysely<Database>, ...args: A): { rows: R[]; changes: number } | undefined;
}

/**
 * Prepares `build` (called with `placeholders`, which must be distinct values
 * not otherwise in the query) and returns a function that runs it with real
 * arguments on any handle of the same dialect, transactions included.
 */
export function prepared<A extends readonly unknown[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
  placeholders: Placeholders<A>,
): PreparedQuery<A, R> {
  const byDialect = new Map<unknown, { sql: string; slots: Slot[] }>();
  function compiledFor(db: Kysely<Database>) {
    // The adapter's class names the dialect; a transaction shares its database's.
    const dialect = db.getExecutor().adapter.constructor;
    let compiled = byDialect.get(dialect);
    if (compiled === undefined) {
      const c = build(db, ...placeholders).compile();
      const slots = c.parameters.map((p): Slot => {
        const arg = (placeholders as readonly unknown[]).indexOf(p);
        return arg >= 0 ? { arg } : { constant: p };
      });
      const used = new Set(slots.flatMap((s) => ('arg' in s ? [s.arg] : [])));
      if (used.size !== placeholders.length) throw new Error(`prepared(): a placeholder is missing from ${c.sql}`);
      compiled = { sql: c.sql, slots };
      byDialect.set(dialect, compiled);
      if (c.sql.includes('$1')) registerStatement(c.sql); // PostgreSQL's placeholders: run it as a named statement
    }
    return compiled;
  }
  const parametersOf = (compiled: { slots: Slot[] }, args: A): unknown[] => compiled.slots.map((s) => ('arg' in s ? args[s.arg] : s.constant));
  const run = (db: Kysely<Database>, ...args: A): Promise<QueryResult<R>> => {
    const compiled = compiledFor(db);
    return db.executeQuery<R>(CompiledQuery.raw(compiled.sql, parametersOf(compiled, args)));
  };
  const runNow = (db: Kysely<Database>, conn: SqliteStatements | undefined, args: A): { rows: R[]; changes: number } => {
    if (conn === undefined) throw new Error('prepared().sync: not a SQLite handle');
    const compiled = compiledFor(db);
    const parameters = parametersOf(compiled, args);
    const stmt = conn.prepare(compiled.sql);
    if (stmt.reader) return { rows: stmt.all(parameters) as R[], changes: 0 };
    return { rows: [], changes: stmt.run(parameters).changes };
  };
  run.sync = (db: Kysely<Database>, ...args: A) => runNow(db, sqliteConnection(db), args);
  run.syncOutsideTransactions = (db: Kysely<Database>, ...args: A) => {
    const conn = sqliteConnection(db);
    return conn?.inTransaction ? undefined : runNow(db, conn, args);
  };
  return run;
}
