import { describe, expect, it } from 'vitest';
import { MemoryStorageArea, VaultStore, MemoryKeyStore } from '../core/vault-store.ts';
import { SessionStore } from './session.ts';
import { cachedArea, cachedManaged, MANAGED_COPY_KEY, type OnChanged } from './storage-cache.ts';

/** A storage area that counts reads, and the browser's change reports, fired by hand. */
function setup() {
  const backing = new MemoryStorageArea();
  let reads = 0;
  const counted = {
    get: (keys: string | string[]) => {
      reads++;
      return backing.get(keys);
    },
    set: (items: Record<string, unknown>) => backing.set(items),
    remove: (keys: string | string[]) => backing.remove(keys),
  };
  const listeners: Array<(keys: string[]) => void> = [];
  const onChanged: OnChanged = (listener) => void listeners.push(listener);
  const changed = (...keys: string[]) => listeners.forEach((l) => l(keys));
  return { backing, area: cachedArea(counted, onChanged), reads: () => reads, changed, onChanged };
}

describe('cachedArea', () => {
  it('reads a key from storage once, then from memory', async () => {
    const { backing, area, reads } = setup();
    backing.data.set('vault', { v: 1 });
    expect(await area.get('vault')).toEqual({ vault: { v: 1 } });
    expect(await area.get(['vault'])).toEqual({ vault: { v: 1 } });
    expect(reads()).toBe(1);
  });

  it('remembers that storage holds nothing for a key', async () => {
    const { area, reads } = setup();
    expect(await area.get(['unlocked', 'pendingSetup'])).toEqual({});
    expect(await area.get(['unlocked', 'pendingSetup'])).toEqual({});
    expect(reads()).toBe(1);
  });

  it('writes to storage and to memory together', async () => {
    const { backing, area, reads } = setup();
    await area.set({ unlocked: { a: 'seed' } });
    expect(backing.data.get('unlocked')).toEqual({ a: 'seed' });
    expect(await area.get('unlocked')).toEqual({ unlocked: { a: 'seed' } });
    await area.remove('unlocked');
    expect(backing.data.has('unlocked')).toBe(false);
    expect(await area.get('unlocked')).toEqual({});
    expect(reads()).toBe(0);
  });

  it('locking is seen at once: no unlocked seed is answered after the remove', async () => {
    const { area } = setup();
    const session = new SessionStore(area);
    await session.setUnlocked('a', 'seed');
    expect(await session.unlocked()).toEqual({ a: 'seed' });
    await session.lockAll();
    expect(await session.unlocked()).toEqual({});
  });

  it('hands out copies: changing an answer changes neither memory nor storage', async () => {
    const { backing, area } = setup();
    backing.data.set('tried', { a: 1 });
    const first = (await area.get('tried')).tried as Record<string, number>;
    first.b = 2;
    const second = (await area.get('tried')).tried as Record<string, number>;
    second.c = 3;
    expect(await area.get('tried')).toEqual({ tried: { a: 1 } });
    expect(backing.data.get('tried')).toEqual({ a: 1 });
  });

  it('forgets a key the browser reports changed, and reads it again', async () => {
    const { backing, area, reads, changed } = setup();
    backing.data.set('vault', { v: 1 });
    await area.get('vault');
    backing.data.set('vault', { v: 2 });
    changed('vault');
    expect(await area.get('vault')).toEqual({ vault: { v: 2 } });
    expect(reads()).toBe(2);
  });

  it('a change elsewhere leaves the other keys in memory', async () => {
    const { backing, area, reads, changed } = setup();
    backing.data.set('unlocked', { a: 'seed' });
    await area.get('unlocked');
    changed('activityAt');
    expect(await area.get('unlocked')).toEqual({ unlocked: { a: 'seed' } });
    expect(reads()).toBe(1);
  });

  it('a read that started before a write does not fill memory with the old value', async () => {
    const backing = new MemoryStorageArea();
    backing.data.set('unlocked', { a: 'seed' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      get: async (keys: string | string[]) => {
        const got = await backing.get(keys);
        await gate;
        return got;
      },
      set: (items: Record<string, unknown>) => backing.set(items),
      remove: (keys: string | string[]) => backing.remove(keys),
    };
    const area = cachedArea(slow, () => undefined);
    const before = area.get('unlocked');
    await area.remove('unlocked');
    release();
    expect(await before).toEqual({ unlocked: { a: 'seed' } });
    expect(await area.get('unlocked')).toEqual({});
  });

  it('a change reported during a read does not fill memory with the old value', async () => {
    const backing = new MemoryStorageArea();
    backing.data.set('vault', { v: 1 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const slow = {
      get: async (keys: string | string[]) => {
        reads++;
        const got = await backing.get(keys);
        if (reads === 1) await gate;
        return got;
      },
      set: (items: Record<string, unknown>) => backing.set(items),
      remove: (keys: string | string[]) => backing.remove(keys),
    };
    let report: (keys: string[]) => void = () => undefined;
    const area = cachedArea(slow, (listener) => (report = listener));
    const before = area.get('vault');
    backing.data.set('vault', { v: 2 });
    report(['vault']);
    release();
    await before;
    expect(await area.get('vault')).toEqual({ vault: { v: 2 } });
  });

  it('a write storage refuses is not kept in memory', async () => {
    const { backing, area } = setup();
    backing.data.set('vault', { v: 1 });
    await area.get('vault');
    backing.failSet = new Error('QUOTA_BYTES quota exceeded');
    await expect(area.set({ vault: { v: 2 } })).rejects.toThrow('QUOTA');
    expect(await area.get('vault')).toEqual({ vault: { v: 1 } });
  });

  it('a read while a write is in flight sees what storage holds, never a value a refused write would leave', async () => {
    const { backing, area } = setup();
    backing.data.set('vault', { v: 1 });
    await area.get('vault');
    let refuse!: (err: Error) => void;
    const realSet = backing.set.bind(backing);
    backing.set = () => new Promise<void>((_, reject) => (refuse = reject));
    const writing = area.set({ vault: { v: 2 } });
    expect(await area.get('vault')).toEqual({ vault: { v: 1 } });
    refuse(new Error('QUOTA_BYTES quota exceeded'));
    await expect(writing).rejects.toThrow('QUOTA');
    expect(await area.get('vault')).toEqual({ vault: { v: 1 } });
    backing.set = realSet;
    await area.set({ vault: { v: 3 } });
    expect(await area.get('vault')).toEqual({ vault: { v: 3 } });
  });

  it('the vault reads and writes through it as through storage', async () => {
    const { backing, area, reads } = setup();
    const keys = new MemoryKeyStore();
    const vault = new VaultStore(area, keys);
    await vault.update((v) => ({ ...v, clockOffsetMs: 1234 }));
    expect((await vault.read()).clockOffsetMs).toBe(1234);
    expect((await new VaultStore(backing, keys).read()).clockOffsetMs).toBe(1234);
    const before = reads();
    await vault.read();
    expect(reads()).toBe(before);
  });
});

describe('cachedManaged', () => {
  it('asks the browser once until the policy changes', async () => {
    let calls = 0;
    let policy: Record<string, unknown> = { demoAllowed: false };
    const listeners: Array<(keys: string[]) => void> = [];
    const managed = cachedManaged(
      {
        get: async () => {
          calls++;
          return policy;
        },
      },
      (listener) => void listeners.push(listener),
    );
    expect(await managed.get()).toEqual({ demoAllowed: false });
    expect(await managed.get()).toEqual({ demoAllowed: false });
    expect(calls).toBe(1);
    policy = { demoAllowed: true };
    listeners.forEach((l) => l(['demoAllowed']));
    expect(await managed.get()).toEqual({ demoAllowed: true });
    expect(calls).toBe(2);
  });

  it('keeps an error answer (no policy) as an error', async () => {
    let calls = 0;
    const managed = cachedManaged(
      {
        get: async () => {
          calls++;
          throw new Error('Managed storage manifest not found');
        },
      },
      () => undefined,
    );
    await expect(managed.get()).rejects.toThrow('manifest');
    await expect(managed.get()).rejects.toThrow('manifest');
    expect(calls).toBe(1);
  });

  describe('with a copy kept for the browser\'s slow start', () => {
    /** A policy area whose answers the test gives by hand, a clock the test moves, and the copy's storage. */
    function slowStart() {
      const answers: Array<{ resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
      const sleepers: Array<() => void> = [];
      const local = new MemoryStorageArea();
      const listeners: Array<(keys: string[]) => void> = [];
      let lateChanges = 0;
      const managed = cachedManaged(
        { get: () => new Promise((resolve, reject) => answers.push({ resolve, reject })) },
        (listener) => void listeners.push(listener),
        { area: local, waitMs: 100, sleep: () => new Promise<void>((r) => sleepers.push(r)), onLateChange: () => void lateChanges++ },
      );
      const settled = <T>(p: Promise<T>) => {
        const box: { value?: T; done: boolean } = { done: false };
        void p.then((value) => Object.assign(box, { value, done: true }));
        return box;
      };
      const tick = () => new Promise((r) => setTimeout(r, 0));
      /** With `kept` as the copy, a read whose wait runs out before the browser answers. */
      const lateRead = async (kept: Record<string, unknown>) => {
        local.data.set(MANAGED_COPY_KEY, kept);
        const read = managed.get();
        await tick();
        sleepers.shift()!();
        return read;
      };
      return { answers, sleepers, local, managed, settled, tick, lateRead, lateChanges: () => lateChanges, changed: () => listeners.forEach((l) => l(['x'])) };
    }

    it('keeps each answer of the browser, and gives the browser\'s answer when it comes in time', async () => {
      const t = slowStart();
      const read = t.managed.get();
      await t.tick();
      t.answers[0]!.resolve({ demoAllowed: false });
      expect(await read).toEqual({ demoAllowed: false });
      await t.tick();
      expect(t.local.data.get(MANAGED_COPY_KEY)).toEqual({ demoAllowed: false });
    });

    it('gives the kept copy when the browser is late, then the browser\'s answer once it comes, and says the policy changed', async () => {
      const t = slowStart();
      expect(await t.lateRead({ demoAllowed: false, forcePin: true })).toEqual({ demoAllowed: false, forcePin: true });
      expect(t.answers).toHaveLength(1); // still the one question
      t.answers[0]!.resolve({ demoAllowed: true });
      await t.tick();
      expect(await t.managed.get()).toEqual({ demoAllowed: true });
      expect(t.lateChanges()).toBe(1);
      expect(t.local.data.get(MANAGED_COPY_KEY)).toEqual({ demoAllowed: true });
    });

    it('waits once: while the browser stays silent, the next reads take the copy at once (no read waits)', async () => {
      const t = slowStart();
      expect(await t.lateRead({ forcePin: true })).toEqual({ forcePin: true });
      expect(await t.managed.get()).toEqual({ forcePin: true });
      expect(t.sleepers).toHaveLength(0);
      expect(t.managed.waiting!()).toBe(false);
    });

    it('says nothing changed when the late answer is the copy', async () => {
      const t = slowStart();
      await t.lateRead({ demoAllowed: false });
      t.answers[0]!.resolve({ demoAllowed: false });
      await t.tick();
      expect(t.lateChanges()).toBe(0);
    });

    it('with no copy yet (first start after installing), waits for the browser however long it takes, and says it waits', async () => {
      const t = slowStart();
      expect(t.managed.waiting!()).toBe(false);
      const read = t.settled(t.managed.get());
      await t.tick();
      t.sleepers.shift()!();
      await t.tick();
      expect(read.done).toBe(false);
      expect(t.managed.waiting!()).toBe(true);
      t.answers[0]!.resolve({ forcePin: true });
      await t.tick();
      expect(read).toEqual({ done: true, value: { forcePin: true } });
      expect(t.managed.waiting!()).toBe(false);
    });

    it('keeps an error answer (no policy) as a policy with no key', async () => {
      const t = slowStart();
      t.local.data.set(MANAGED_COPY_KEY, { forcePin: true });
      const read = t.managed.get();
      await t.tick();
      t.answers[0]!.reject(new Error('Managed storage manifest not found'));
      await expect(read).rejects.toThrow('manifest');
      await t.tick();
      expect(t.local.data.get(MANAGED_COPY_KEY)).toEqual({});
    });

    it('asks again after a reported change, and its answer replaces the copy', async () => {
      const t = slowStart();
      const first = t.managed.get();
      await t.tick();
      t.answers[0]!.resolve({ demoAllowed: false });
      await first;
      t.changed();
      const second = t.managed.get();
      await t.tick();
      expect(t.answers).toHaveLength(2);
      t.answers[1]!.resolve({ demoAllowed: true });
      expect(await second).toEqual({ demoAllowed: true });
      await t.tick();
      expect(t.local.data.get(MANAGED_COPY_KEY)).toEqual({ demoAllowed: true });
    });
  });
});
