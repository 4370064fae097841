/**
 * Group round trips on PostgreSQL: the requests that arrive together share one
 * statement over arrays (`unnest`), so one round trip and one commit serve
 * many of them. On loopback a statement's fixed cost (the driver's work, the
 * protocol messages, PostgreSQL's executor start and, for a write, the WAL
 * flush of `synchronous_commit`) is most of a short query's; shared by a
 * batch, it is paid once. Each caller still gets its own result.
 *
 * One batch of a kind runs at a time (on one pool connection) and the next
 * gathers while it is in flight, for a whole round trip: under load the
 * batches grow by themselves, and when idle a request waits one turn of the
 * event loop at most. Against two at a time, in alternating `npm run bench`
 * runs, PostgreSQL's CPU fell by about a quarter per verification (96–120 →
 * 69–73 µs) and by a fifth per provision+confirm pair, with no loss of
 * throughput: an accepted login's write carried about 13 logins instead of 9.
 */

export interface BatchOptions<I> {
  /** Most items in one statement. */
  maxBatch?: number;
  /**
   * Items that must not share a statement (say, two writes for one user: a
   * statement sees one snapshot, so the second must see the first's effect).
   * An item whose key is already in the batch waits for a later one.
   */
  keyOf?: (item: I) => string | number;
  /**
   * The order of a batch's items, for statements that lock rows: two batches
   * (on two instances, say) that lock rows in one order cannot deadlock.
   */
  orderBy?: (item: I) => string | number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * Returns a function that runs `item` as part of a batch: `run` gets the
 * batch's items and must resolve with one result per item, in order. `run`
 * must be all or nothing (one statement is): if it throws for a batch, each
 * item is run again alone, and only the callers whose own run fails get an error.
 */
export function batcher<I, O>(run: (items: I[]) => Promise<O[]>, options: BatchOptions<I> = {}): (item: I) => Promise<O> {
  const maxBatch = options.maxBatch ?? 256;
  const keyOf = options.keyOf;
  const orderBy = options.orderBy;
  let queue: Pending<I, O>[] = [];
  let running = false;
  let scheduled = false;

  function take(): Pending<I, O>[] {
    const batch = pick();
    if (orderBy) batch.sort((a, b) => (orderBy(a.item) < orderBy(b.item) ? -1 : orderBy(a.item) > orderBy(b.item) ? 1 : 0));
    return batch;
  }

  function pick(): Pending<I, O>[] {
    if (!keyOf) return queue.splice(0, maxBatch);
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    const keys = new Set<string | number>();
    for (const p of queue) {
      const key = keyOf(p.item);
      if (batch.length >= maxBatch || keys.has(key)) rest.push(p);
      else {
        keys.add(key);
        batch.push(p);
      }
    }
    queue = rest;
    return batch;
  }

  /** Resolves each caller of `batch` with its result, or rejects them all. */
  function settle(batch: Pending<I, O>[], results: O[]): void {
    // A result count that is off is a bug in `run`, not a failed statement: nothing is run again.
    if (results.length !== batch.length) {
      const error = new Error(`batch: ${results.length} results for ${batch.length} items`);
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }

  async function runBatch(batch: Pending<I, O>[]): Promise<void> {
    let results: O[];
    try {
      results = await run(batch.map((p) => p.item));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else await runAlone(batch);
      return;
    }
    settle(batch, results);
  }

  // The statement failed, so it changed nothing: each item runs again alone,
  // and one bad item does not take the others with it.
  async function runAlone(batch: Pending<I, O>[]): Promise<void> {
    for (const p of batch) {
      try {
        settle([p], await run([p.item]));
      } catch (error) {
        p.reject(error);
      }
    }
  }

  function pump(): void {
    scheduled = false;
    if (running || queue.length === 0) return;
    running = true;
    void runBatch(take()).finally(() => {
      running = false;
      pump();
    });
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // The first item of a burst waits one turn of the event loop for the others.
      if (!scheduled && !running) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}
