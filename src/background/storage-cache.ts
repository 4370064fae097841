/**
 * A read-through memory copy of the storage areas the popup's answer reads
 * (vault, session, policy), so opening the popup costs the worker no storage
 * round trip once a key has been read. Storage stays the truth: the copy
 * takes a write once storage has accepted it (never a refused one), and a
 * change reported by the browser (another context, the
 * service centre's policy) makes the copy forget the key, so the next read
 * goes to storage again. The copy lives as long as the worker; nothing
 * outlives it. A read that started before a write never fills the copy.
 */
import { isRecord } from '../core/policy.ts';
import type { StorageArea } from '../core/vault-store.ts';
import type { ManagedArea } from './policy.ts';

/** The browser's report of changed keys in one area (storage.onChanged, filtered to the area). */
export type OnChanged = (listener: (keys: string[]) => void) => void;

/** A value kept for a key; `undefined` records that storage holds nothing for it. */
type Held = { value: unknown };

// Values are handed out as copies, as storage does: a caller that changes one must not change the copy kept here.
const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

/** `area` with a memory copy of each key read or written; `onChanged` reports the changes made elsewhere. */
export function cachedArea(area: StorageArea, onChanged: OnChanged): StorageArea {
  const held = new Map<string, Held>();
  // Bumped by every write and every reported change: a read older than that must not fill the copy.
  let generation = 0;
  onChanged((keys) => {
    generation++;
    for (const key of keys) held.delete(key);
  });
  const list = (keys: string | string[]): string[] => (typeof keys === 'string' ? [keys] : keys);

  const answer = (keys: string[]): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (const key of keys) {
      const value = held.get(key)?.value;
      if (value !== undefined) result[key] = copy(value);
    }
    return result;
  };

  return {
    async get(keys) {
      const wanted = list(keys);
      if (wanted.every((key) => held.has(key))) return answer(wanted);
      const started = generation;
      const got = await area.get(wanted);
      if (generation === started) for (const key of wanted) held.set(key, { value: copy(got[key]) });
      return got;
    },
    // The copy takes a write once storage has it: while it is in flight, reads go to storage (and
    // do not fill the copy), so nobody sees a value that a refused write (a full quota) never stored.
    // The worker is these areas' one writer (the popup and the content script only send messages),
    // so no other write can land between storage accepting this one and the copy taking it.
    async set(items) {
      generation++;
      for (const key of Object.keys(items)) held.delete(key);
      await area.set(items);
      generation++;
      for (const [key, value] of Object.entries(items)) held.set(key, { value: copy(value) });
    },
    async remove(keys) {
      generation++;
      for (const key of list(keys)) held.delete(key);
      await area.remove(keys);
      generation++;
      for (const key of list(keys)) held.set(key, { value: undefined });
    },
  };
}

/** Where the last policy the browser gave is kept (storage.local), for the next start of the browser. */
export const MANAGED_COPY_KEY = 'managedPolicy';

/** The kept copy of the policy, for the reads the browser is slow to answer. */
export interface ManagedCopy {
  /** The extension's local storage: the copy outlives the browser's restarts. */
  area: StorageArea;
  /** How long a read waits for the browser before it takes the kept copy (ms). */
  waitMs: number;
  /** Waits `ms` (tests pass their own clock). */
  sleep?: (ms: number) => Promise<void>;
  /** The browser's answer came after a read took the copy, and differs from it: the policy in force changed. */
  onLateChange?: () => void;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The policy area with the last answer kept until the browser reports a
 * change; an answer that is an error (Firefox without a policy) is kept too,
 * since readPolicy reads it as "no policy" each time anyway.
 *
 * With `keep`, the browser's slowness at start is not the user's: Chromium
 * answers its first policy read only once its policy service is up (3–8 s
 * are reported after the browser starts, and Edge has been seen never to
 * answer), and meanwhile the popup would say « Chargement… ». Each answer is
 * kept in `keep.area`; a read the browser has not answered within
 * `keep.waitMs` takes that copy, and the browser's answer replaces it when it
 * comes. With no copy yet (the first start after installing), a read waits
 * for the browser: the organisation's rules (a PIN for every token, where
 * codes may go) are never guessed.
 */
export function cachedManaged(area: ManagedArea, onChanged: OnChanged, keep?: ManagedCopy): ManagedArea {
  /**
   * The browser's answer, asked once until a change; `done` once it came, `late` once a read stopped
   * waiting for it, `gave` the copy reads were given meanwhile.
   */
  let held: { answer: Promise<Record<string, unknown>>; done: boolean; late: boolean; gave: Record<string, unknown> | null } | null = null;
  onChanged(() => {
    held = null;
  });
  const sleep = keep?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const kept = async (): Promise<Record<string, unknown> | null> => {
    const stored = (await keep!.area.get(MANAGED_COPY_KEY).catch((): Record<string, unknown> => ({})))[MANAGED_COPY_KEY];
    return isRecord(stored) ? stored : null;
  };

  function ask(): NonNullable<typeof held> {
    const asked: NonNullable<typeof held> = { answer: area.get(), done: false, late: false, gave: null };
    // An error answer is "no policy" for readPolicy, so the copy says the same: no key set.
    void asked.answer.then(
      (value) => settle(asked, value),
      () => settle(asked, {}),
    );
    return asked;
  }

  async function settle(asked: NonNullable<typeof held>, value: Record<string, unknown>): Promise<void> {
    asked.done = true;
    if (!keep || held !== asked) return;
    // Kept for the next start; a write that fails (a full quota) costs only that copy's freshness.
    if (!same(await kept(), value)) await keep.area.set({ [MANAGED_COPY_KEY]: value }).catch(() => undefined);
    if (asked.gave && !same(asked.gave, value)) keep.onLateChange?.();
  }

  return {
    async get() {
      // A change reported while this read is in flight clears it: the next get reads again.
      held ??= ask();
      const asked = held;
      if (!keep || asked.done) return asked.answer.then(copy);
      // Waited for once: while the browser stays silent, the next reads take the copy at once.
      if (!asked.late) asked.late = await Promise.race([asked.answer.then(() => false, () => false), sleep(keep.waitMs).then(() => true)]);
      const stored = asked.late ? await kept() : null;
      if (!stored || asked.done) return asked.answer.then(copy);
      asked.gave = stored;
      return copy(stored);
    },
    waiting: () => held !== null && !held.done && held.gave === null,
  };
}
