import { describe, expect, it } from 'vitest';
import { batcher } from './batch.ts';

describe('batcher', () => {
  it('answers each caller with its own result and groups the callers that arrive together', async () => {
    const batches: number[][] = [];
    const double = batcher(async (items: number[]) => {
      batches.push(items);
      return items.map((i) => i * 2);
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => double(i)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('runs one batch at a time: the callers that arrive meanwhile gather into the next', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const run = batcher(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await first;
      return items;
    });
    const early = run(1);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    const late = [2, 3, 4].map((i) => run(i));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]); // still in flight: nothing else has started
    release();
    expect(await Promise.all([early, ...late])).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never puts two items with one key in the same batch, and keeps their order', async () => {
    const batches: string[][] = [];
    const run = batcher(
      async (items: Array<{ user: number; id: string }>) => {
        batches.push(items.map((i) => i.id));
        return items.map((i) => i.id);
      },
      { keyOf: (i) => i.user },
    );
    await Promise.all([
      run({ user: 1, id: 'a' }),
      run({ user: 1, id: 'b' }),
      run({ user: 2, id: 'c' }),
      run({ user: 1, id: 'd' }),
    ]);
    expect(batches).toEqual([['a', 'c'], ['b'], ['d']]);
  });

  it('hands a batch to the statement in the order asked for', async () => {
    const batches: number[][] = [];
    const run = batcher(
      async (items: number[]) => {
        batches.push(items);
        return items.map((i) => -i);
      },
      { orderBy: (i) => i },
    );
    expect(await Promise.all([30, 10, 20].map((i) => run(i)))).toEqual([-30, -10, -20]);
    expect(batches).toEqual([[10, 20, 30]]);
  });

  it('bounds a batch at maxBatch items', async () => {
    const sizes: number[] = [];
    const run = batcher(
      async (items: number[]) => {
        sizes.push(items.length);
        return items;
      },
      { maxBatch: 3 },
    );
    await Promise.all(Array.from({ length: 7 }, (_, i) => run(i)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('runs each item of a failed batch again alone: only the bad one fails', async () => {
    const run = batcher(async (items: number[]) => {
      if (items.includes(13)) throw new Error('bad item');
      return items.map((i) => i + 1);
    });
    const settled = await Promise.allSettled([1, 13, 2].map((i) => run(i)));
    expect(settled).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('bad item') },
      { status: 'fulfilled', value: 3 },
    ]);
  });

  it('rejects when the statement answers a different number of results', async () => {
    const run = batcher(async () => [1]);
    await expect(Promise.all([run(1), run(2)])).rejects.toThrow(/2 items/);
  });
});
