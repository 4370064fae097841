/**
 * PostgreSQL named (server-side prepared) statements for the hot queries: a
 * named statement is parsed and planned once per connection instead of on
 * every execution, which on the protocol's short queries is much of
 * PostgreSQL's own CPU. Only SQL registered here is named (see
 * store/prepared.ts), so the set of names stays small and fixed.
 */
import type pg from 'pg';

// Keyed by SQL text, which determines the statement: the same for every database.
const names = new Map<string, string>();

/** Registers `sql` as a hot statement and returns its name. */
export function registerStatement(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `jeton_${names.size + 1}`;
    names.set(sql, name);
  }
  return name;
}

/** Makes a pool's clients run registered statements by name. */
export function nameHotStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
    // pg's `query` has many overloads; this keeps every one and only adds a name to registered SQL.
    (client as unknown as { query: typeof query }).query = (config, values, callback) => {
      const name = typeof config === 'string' ? names.get(config) : undefined;
      return name === undefined ? query(config, values, callback) : query({ name, text: config }, values, callback);
    };
  });
}
