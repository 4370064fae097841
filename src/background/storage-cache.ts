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

/**
 * The policy area with the last answer kept until the browser reports a
 * change; an answer that is an error (Firefox without a policy) is kept too,
 * since readPolicy reads it as "no policy" each time anyway.
 */
export function cachedManaged(area: ManagedArea, onChanged: OnChanged): ManagedArea {
  let held: Promise<Record<string, unknown>> | null = null;
  onChanged(() => {
    held = null;
  });
  return {
    get() {
      // A change reported while this read is in flight clears it: the next get reads again.
      held ??= area.get();
      return held.then(copy);
    },
  };
}
