import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageName, RequestOf, ResponseOf } from '../core/messages.ts';
import { VAULT_STORAGE_KEY } from '../core/vault.ts';
import { SERVER_URL } from '../testing/background/fake-server.ts';
import { harness } from '../testing/background/harness.ts';

type H = ReturnType<typeof harness>;

/** What one message did to storage: vault decryptions and writes, policy reads, session reads. */
interface Counts {
  decrypts: number;
  vaultWrites: number;
  policyReads: number;
  sessionReads: number;
}

/** Counts, while `run` runs, the decryptions made with the vault key (and no other key) and the storage calls. */
async function counting<T>(h: H, run: () => Promise<T>): Promise<{ value: T; counts: Counts }> {
  const counts: Counts = { decrypts: 0, vaultWrites: 0, policyReads: 0, sessionReads: 0 };
  const subtle = globalThis.crypto.subtle;
  const decrypt = subtle.decrypt.bind(subtle);
  vi.spyOn(subtle, 'decrypt').mockImplementation((algorithm, key, data) => {
    if (key === h.keys.key?.key) counts.decrypts++;
    return decrypt(algorithm, key, data);
  });
  const set = h.local.set.bind(h.local);
  vi.spyOn(h.local, 'set').mockImplementation(async (items) => {
    if (Object.hasOwn(items, VAULT_STORAGE_KEY)) counts.vaultWrites++;
    return set(items);
  });
  const get = h.session.get.bind(h.session);
  vi.spyOn(h.session, 'get').mockImplementation(async (keys) => {
    counts.sessionReads++;
    return get(keys);
  });
  const reads = h.managed.reads;
  try {
    const value = await run();
    await h.settle();
    return { value, counts: { ...counts, policyReads: h.managed.reads - reads } };
  } finally {
    vi.restoreAllMocks();
  }
}

const message = <N extends MessageName>(h: H, name: N, req: RequestOf<N>): Promise<{ value: ResponseOf<N>; counts: Counts }> => counting(h, () => h.ok(name, req));

afterEach(() => vi.restoreAllMocks());

describe('one message, one read of each store (task-deps.ts)', () => {
  it('adds a token without PIN: the vault written before the confirmation and after it, opened at most once', async () => {
    const h = harness();
    await h.ok('demo.set', { enabled: true }); // a vault to open
    const { value, counts } = await message(h, 'account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    expect(value).toMatchObject({ kind: 'added', confirmed: true });
    // The seed is stored before the confirmation (§4), the confirmation after it: two writes, no more.
    expect(counts).toEqual({ decrypts: 1, vaultWrites: 2, policyReads: 1, sessionReads: 1 });
  });

  it('sets the PIN: the vault opened once', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    await h.ok('demo.set', { enabled: true });
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    const { value, counts } = await message(h, 'account.set-pin', { pin: '2468' });
    expect(value).toMatchObject({ kind: 'added', confirmed: true });
    // The session: read once, and once more right before the read-modify-write that keeps the new token unlocked.
    expect(counts).toEqual({ decrypts: 1, vaultWrites: 2, policyReads: 1, sessionReads: 2 });
  });

  it('unlocks and gives the state: the vault opened once each, the policy and the session read once', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    const { id } = await h.ok('account.set-pin', { pin: '2468' });
    await h.ok('vault.lock', {});
    h.clock.now += 95_000;
    const unlock = await message(h, 'account.unlock', { id, pin: '2468' });
    expect(unlock.value).toEqual({ pinCheck: 'valid' });
    // The online check's answer (state, expiry, clock offset): one write; the badge after it reads what was written.
    expect(unlock.counts).toEqual({ decrypts: 1, vaultWrites: 1, policyReads: 1, sessionReads: 1 });

    const state = await message(h, 'state.get', {});
    expect(state.value.accounts[0]).toMatchObject({ locked: false });
    expect(state.counts).toEqual({ decrypts: 1, vaultWrites: 0, policyReads: 1, sessionReads: 1 });

    const refresh = await message(h, 'status.refresh', {});
    // The whole round: confirmations, statuses (one write), renewals, warnings; the session read again before recording when it asked.
    expect(refresh.counts).toEqual({ decrypts: 1, vaultWrites: 1, policyReads: 1, sessionReads: 2 });
  });
});
