import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/index.ts';
import { testDatabases } from '../../testing/server/databases.ts';
import { prepared } from './prepared.ts';
import { writes } from './write-queue.ts';

const insertKey = prepared((db, key: string, hits: number) => db.insertInto('rate_limits').values({ key, window_start: 0, hits }), ['\u0000key', -424_242]);
const hitsOf = prepared((db, key: string) => db.selectFrom('rate_limits').select(['key', 'hits']).where('key', '=', key), ['\u0000key']);

let handle: DatabaseHandle | null = null;
afterEach(async () => {
  await handle?.close();
  handle = null;
});

describe('prepared().sync on SQLite', () => {
  it('gives the same rows and counts as the promise form', async () => {
    handle = await openDatabase({ sqliteFile: ':memory:' });
    const { db } = handle;
    expect(insertKey.sync(db, 'a', 3)).toEqual({ rows: [], changes: 1 });
    await insertKey(db, 'b', 4);
    expect(hitsOf.sync(db, 'b').rows).toEqual((await hitsOf(db, 'b')).rows);
    expect(hitsOf.sync(db, 'a')).toEqual({ rows: [{ key: 'a', hits: 3 }], changes: 0 });
    expect(hitsOf.sync(db, 'none').rows).toEqual([]);
  });

  it('inside a write, is part of its transaction: rolled back with it, and the queue runs the others again', async () => {
    handle = await openDatabase({ sqliteFile: ':memory:' });
    const { db, dialect } = handle;
    const ctx = { db, dialect };
    const failing = writes(ctx).run(async () => {
      insertKey.sync(db, 'rolled-back', 1);
      throw new Error('refused');
    });
    const kept = writes(ctx).run(async () => insertKey.sync(db, 'kept', 2).changes);
    await expect(failing).rejects.toThrow('refused');
    expect(await kept).toBe(1);
    expect(hitsOf.sync(db, 'rolled-back').rows).toEqual([]);
    expect(hitsOf.sync(db, 'kept').rows).toEqual([{ key: 'kept', hits: 2 }]);
  });

  it('outside transactions only: while a write is under way it gives way, and then reads what was committed', async () => {
    handle = await openDatabase({ sqliteFile: ':memory:' });
    const { db, dialect } = handle;
    let during: unknown = 'not run';
    await writes({ db, dialect }).run(async (tx) => {
      await insertKey(tx, 'pending', 1);
      during = hitsOf.syncOutsideTransactions(db, 'pending');
    });
    expect(during).toBeUndefined();
    expect(hitsOf.syncOutsideTransactions(db, 'pending')?.rows).toEqual([{ key: 'pending', hits: 1 }]);
  });

  for (const target of testDatabases().filter((t) => t.name === 'postgres')) {
    it('refuses a PostgreSQL handle', async () => {
      handle = await openDatabase(target.options());
      expect(() => hitsOf.sync(handle!.db, 'a')).toThrow('not a SQLite handle');
      expect(() => hitsOf.syncOutsideTransactions(handle!.db, 'a')).toThrow('not a SQLite handle');
    });
  }
});
