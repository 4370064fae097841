/**
 * Writes that must be atomic run through here. On PostgreSQL each is its own
 * transaction (several instances and a connection pool run them in parallel).
 * On SQLite, where a commit costs far more than the statements in it (the WAL
 * frames are written per commit: measured 150 µs for an UPDATE+INSERT alone,
 * 20–30 µs each when 8–32 share a commit), the writes that arrive together
 * share one transaction — group commit. If one of them throws, the batch is
 * rolled back and each runs again alone, so one failing write never takes
 * the others with it. Every caller gets its answer only once its commit is done.
 */
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/schema.ts';

/** A database handle inside a transaction: use it, and only it, for the write's statements. */
export type Tx = Kysely<Database>;

export interface WriteQueue {
  run<T>(write: (tx: Tx) => Promise<T>): Promise<T>;
}

interface Queued {
  write: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Most writes in one commit: bounds how long the single SQLite connection is held. */
const MAX_BATCH = 64;

function groupCommit(db: Kysely<Database>): WriteQueue {
  const queue: Queued[] = [];
  let flushing = false;

  /** Runs `items` in one transaction; resolves with their results once committed, or rejects. */
  async function commitTogether(items: Queued[]): Promise<unknown[]> {
    return db.transaction().execute(async (tx) => {
      const values: unknown[] = [];
      for (const item of items) values.push(await item.write(tx));
      return values;
    });
  }

  async function flush(): Promise<void> {
    const batch = queue.splice(0, MAX_BATCH);
    try {
      const values = await commitTogether(batch);
      batch.forEach((item, i) => item.resolve(values[i]));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
    }
    // One write failed and the whole batch was rolled back: each is run again
    // on its own (writes are conditional statements, so running one again
    // after a rollback is running it for the first time).
    for (const item of batch) {
      try {
        item.resolve((await commitTogether([item]))[0]);
      } catch (error) {
        item.reject(error);
      }
    }
  }

  async function drain(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) await flush();
    } finally {
      flushing = false;
    }
  }

  return {
    run<T>(write: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (v: unknown) => void, reject });
        // The first write of a burst waits one turn of the event loop for the others.
        if (!flushing) {
          flushing = true;
          setImmediate(() => void drain());
        }
      });
    },
  };
}

function oneByOne(db: Kysely<Database>): WriteQueue {
  return { run: (write) => db.transaction().execute(write) };
}

// One queue per database handle (the SQLite connection is what it serialises);
// weakly held, so a closed database takes its queue with it.
const queues = new WeakMap<Kysely<Database>, WriteQueue>();

/** The write queue of the context's database. */
export function writes(ctx: Pick<AppContext, 'db' | 'dialect'>): WriteQueue {
  let q = queues.get(ctx.db);
  if (!q) {
    q = ctx.dialect === 'sqlite' ? groupCommit(ctx.db) : oneByOne(ctx.db);
    queues.set(ctx.db, q);
  }
  return q;
}
