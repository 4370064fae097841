import { describe, expect, it } from 'vitest';
import { fromB64u } from '../core/bytes.ts';
import { DAY_MS } from '../core/expiry.ts';
import { generateTOTP } from '../core/totp.ts';
import { openVault, VAULT_STORAGE_KEY, type VaultContent } from '../core/vault.ts';
import { openSeedWithPin } from '../core/vault-pin.ts';
import { SERVER_URL } from '../testing/background/fake-server.ts';
import { harness, T0 } from '../testing/background/harness.ts';

type H = ReturnType<typeof harness>;
const codeOf = (seed: Uint8Array, at: number) => generateTOTP({ seed, algorithm: 'SHA1', digits: 6, period: 30 }, at);
/** What Jeton shows in the step whose code confirmed the token: the next step's code (the server refuses the confirming one as a replay). */
const nextCodeOf = (seed: Uint8Array, at: number) => codeOf(seed, at + 30_000);
const stored = async (h: H): Promise<VaultContent> => openVault(h.keys.key!, h.local.data.get(VAULT_STORAGE_KEY));
const serverTokens = (h: H) => [...h.server.tokens.values()];

async function addToken(h: H): Promise<string> {
  const added = await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
  if (added.kind !== 'added') throw new Error('not added');
  return added.id;
}
async function addPinToken(h: H, pin: string): Promise<string> {
  await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
  return (await h.ok('account.set-pin', { pin })).id;
}
/** Storage refuses the vault write that follows the server's answer to `path` (a full quota, or the worker stopped); the function returned lets writes through again. */
function refuseWriteAfter(h: H, path: string): () => void {
  h.server.afterAnswer = (answered) => {
    if (answered === path) h.local.failSet = new Error('QUOTA_BYTES quota exceeded');
  };
  return () => {
    h.local.failSet = null;
    h.server.afterAnswer = null;
  };
}

const refresh = async (h: H) => {
  const state = await h.ok('status.refresh', {});
  await h.settle();
  return state;
};

describe('status refresh (§5)', () => {
  it('asks each token at most once a minute from the popup, and shows a revoked token as such, without code', async () => {
    const h = harness();
    await addToken(h);
    h.server.calls.length = 0;
    expect((await refresh(h)).accounts[0]).toMatchObject({ state: 'active', daysLeft: 365 });
    expect(h.server.calls).toEqual(['/aotp/v1/status']);
    serverTokens(h)[0]!.status = 'revoked';
    h.clock.now = T0 + 59_000;
    expect((await refresh(h)).accounts[0]!.state).toBe('active');
    expect(h.server.calls).toEqual(['/aotp/v1/status']);
    h.clock.now = T0 + 60_000;
    const [account] = (await refresh(h)).accounts;
    expect(account).toMatchObject({ state: 'revoked' });
    expect(account!.code).toBeUndefined();
    expect(account!.renewal).toBeUndefined();
    expect(h.badge.text).toBe('!');
    // Dead tokens are not asked again.
    h.clock.now = T0 + 10 * 60_000;
    await refresh(h);
    expect(h.server.calls.filter((c) => c === '/aotp/v1/status')).toHaveLength(2);
  });

  it('keeps the last known state when the server cannot be reached', async () => {
    const h = harness();
    await addToken(h);
    h.server.unreachable = true;
    expect((await refresh(h)).accounts[0]).toMatchObject({ state: 'active' });
    expect(h.badge.text).toBe('');
  });

  it('corrects a skewed clock with serverTime: codes match the server, the offset is reported', async () => {
    const h = harness();
    await addToken(h);
    h.server.clockAheadMs = 7 * 60_000; // the computer is 7 minutes late: §5 answers clock_skew first
    const state = await refresh(h);
    expect(state.clockOffsetMs).toBeGreaterThan(7 * 60_000 - 2_000);
    expect(state.clockOffsetMs).toBeLessThan(7 * 60_000 + 2_000);
    const seed = serverTokens(h)[0]!.seed;
    expect(state.accounts[0]!.code!.value).toBe(codeOf(seed, T0 + state.clockOffsetMs));
    // The countdown stays on the local clock.
    expect(state.accounts[0]!.code!.stepEndsAt - T0).toBeLessThanOrEqual(30_000);
    expect((await stored(h)).clockOffsetMs).toBe(state.clockOffsetMs);
    // A clock in step is not "corrected" by rounding noise.
    h.server.clockAheadMs = 800;
    h.clock.now = T0 + 61_000;
    expect((await refresh(h)).clockOffsetMs).toBe(0);
  });
});

describe('warnings before expiry', () => {
  it('notifies once per threshold, remembers it across restarts, and badges the days left orange then red', async () => {
    const h = harness({ validityDays: 40 });
    await addToken(h);
    await refresh(h);
    expect(h.notes).toEqual([]);
    expect(h.badge.text).toBe('');

    h.clock.now = T0 + 11 * DAY_MS; // 29 days left
    const state = await refresh(h);
    expect(state.accounts[0]).toMatchObject({ daysLeft: 29, warningDays: 30, renewal: 'open' });
    expect(h.notes).toHaveLength(1);
    expect(h.notes[0]).toMatchObject({ title: 'Jeton Téléaccès\u202f: expire dans 29 jours', renewButton: 'Renouveler' });
    expect(h.badge).toEqual({ text: '29j', color: '#B45309' });

    h.clock.now += 2 * 60_000;
    await refresh(h);
    h.restart();
    await refresh(h);
    expect(h.notes).toHaveLength(1);

    // Closed from 29 days left to 6: one notification, for 7 days.
    h.clock.now = T0 + 34 * DAY_MS;
    h.restart();
    await refresh(h);
    expect(h.notes).toHaveLength(2);
    expect(h.notes[1]!.title).toBe('Jeton Téléaccès\u202f: expire dans 6 jours');
    expect(h.badge).toEqual({ text: '6j', color: '#B91C1C' });
    expect((await stored(h)).tokens[0]!.server!.notified).toEqual([30, 14, 7]);

    h.clock.now = T0 + 39.5 * DAY_MS;
    await refresh(h);
    expect(h.notes[2]!.title).toBe('Jeton Téléaccès\u202f: expire dans 1 jour');

    h.clock.now = T0 + 41 * DAY_MS;
    const expired = await refresh(h);
    expect(expired.accounts[0]).toMatchObject({ state: 'expired', renewal: 'portal' });
    expect(expired.accounts[0]!.code).toBeUndefined();
    expect(h.notes[3]).toMatchObject({ title: 'Jeton Téléaccès expiré', renewButton: null });
    expect(h.badge.text).toBe('!');
    h.clock.now += DAY_MS;
    await refresh(h);
    expect(h.notes).toHaveLength(4);
  });

  it('follows the policy: other thresholds, notifications off, English', async () => {
    const h = harness({ validityDays: 40 });
    await addToken(h);
    await h.ok('settings.set', { language: 'en' });
    h.managed.value = { expiryWarningDays: [10], expiryNotifications: false };
    h.clock.now = T0 + 20 * DAY_MS;
    expect((await refresh(h)).accounts[0]!.warningDays).toBeUndefined();
    expect(h.badge.text).toBe('');
    h.clock.now = T0 + 31 * DAY_MS;
    expect((await refresh(h)).accounts[0]!.warningDays).toBe(10);
    expect(h.badge.text).toBe('9d');
    expect(h.notes).toEqual([]);
    h.managed.value = { expiryWarningDays: [10] };
    h.clock.now += 2 * 60_000;
    await refresh(h);
    expect(h.notes.map((n) => n.title)).toEqual(['Téléaccès token: expires in 9 days']);
  });

  it('shows when renewal opens while it is not open yet', async () => {
    const h = harness({ validityDays: 40, renewWindowDays: 5 });
    await addToken(h);
    h.clock.now = T0 + 30 * DAY_MS;
    const [account] = (await refresh(h)).accounts;
    expect(account).toMatchObject({ warningDays: 14, renewal: 'not_open', renewOpensAt: new Date(T0 + 35 * DAY_MS).toISOString().replace(/\.\d+Z$/, 'Z') });
    expect(h.notes[0]!.message).toContain('Le renouvellement ouvre le');
    expect(await h.send('account.renew', { id: account!.id })).toMatchObject({ ok: false, error: { code: 'renewal_not_open' } });
  });
});

describe('status refresh during a renewal', () => {
  it('does not give the renewed token the state its old binding had when it was asked', async () => {
    const h = harness({ validityDays: 10, renewWindowDays: 10 });
    const id = await addToken(h);
    await refresh(h);
    h.clock.now += DAY_MS;
    const oldExpiry = (await stored(h)).tokens[0]!.expiresAt;
    // The popup asks for the state (once a minute, so a minute later); the renewal finishes before that answer arrives.
    h.clock.now += 61_000;
    let renewed = false;
    h.server.afterAnswer = async (path) => {
      if (path !== '/aotp/v1/status' || renewed) return;
      renewed = true;
      expect(await h.ok('account.renew', { id })).toEqual({ outcome: 'renewed' });
    };
    await refresh(h);
    h.server.afterAnswer = null;
    expect(renewed).toBe(true);
    const token = (await stored(h)).tokens[0]!;
    expect(token.server!.state).toBe('active');
    expect(token.expiresAt, 'the new token keeps its own expiry, not the old one').not.toBe(oldExpiry);
    expect(Date.parse(token.expiresAt)).toBeGreaterThan(Date.parse(oldExpiry));
  });
});

describe('one-click renewal (§6 + §4)', () => {
  async function ready(options: Parameters<typeof harness>[0] = {}) {
    const h = harness({ validityDays: 10, renewWindowDays: 10, ...options });
    const id = await addToken(h);
    await refresh(h);
    return { h, id, old: serverTokens(h)[0]! };
  }

  it('renews: new token active, old superseded, replaced under the same id in one write, new codes', async () => {
    const { h, id, old } = await ready();
    expect((await h.ok('state.get', {})).accounts[0]!.renewal).toBe('open');
    h.clock.now += 60_000;
    expect(await h.ok('account.renew', { id })).toEqual({ outcome: 'renewed' });
    await h.settle();
    expect(old.status).toBe('superseded');
    const fresh = serverTokens(h).find((t) => t !== old)!;
    expect(fresh.status).toBe('active');
    const state = await h.ok('state.get', {});
    expect(state.accounts).toHaveLength(1);
    expect(state.accounts[0]).toMatchObject({ id, state: 'active', daysLeft: 10 });
    expect(state.accounts[0]!.code!.value).toBe(nextCodeOf(fresh.seed, h.clock.now));
    const vault = await stored(h);
    expect(vault.tokens[0]!.renewal).toBeUndefined();
    expect(vault.tokens[0]!.server!.tokenId).not.toBe([...h.server.tokens.keys()][0]);
  });

  it('renews in the time step of the code that confirmed the token: the next step’s code, no failure counted', async () => {
    const { h, id } = await ready();
    h.server.calls.length = 0;
    expect(await h.ok('account.renew', { id })).toEqual({ outcome: 'renewed' });
    expect(h.server.calls.slice(0, 3)).toEqual(['/aotp/v1/renew', '/aotp/v1/renew', '/aotp/v1/confirm']);
    expect(h.server.failures).toBe(0);
  });

  it('does not spend a second try when the PIN of a locked token may be wrong', async () => {
    const h = harness({ validityDays: 10, renewWindowDays: 10, pin: { required: true, minLength: 4 } });
    const id = await addPinToken(h, '2468');
    await refresh(h);
    await h.ok('vault.lock', {});
    h.clock.now += 30_000;
    h.server.calls.length = 0;
    expect(await h.send('account.renew', { id, pin: '1357' })).toMatchObject({ ok: false, error: { code: 'pin_incorrect' } });
    expect(h.server.calls).toEqual(['/aotp/v1/renew']);
    expect(h.server.failures).toBe(1);
  });

  it('leaves the old token intact when §6 fails (network), and can be retried', async () => {
    const { h, id, old } = await ready();
    h.server.failNext.set('/aotp/v1/renew', 1);
    expect(await h.send('account.renew', { id })).toMatchObject({ ok: false, error: { code: 'server_unreachable' } });
    expect((await stored(h)).tokens[0]!.renewal).toBeUndefined();
    expect((await h.ok('state.get', {})).accounts[0]).toMatchObject({ state: 'active', code: { value: nextCodeOf(old.seed, h.clock.now) } });
    h.clock.now += 30_000;
    expect(await h.ok('account.renew', { id })).toEqual({ outcome: 'renewed' });
  });

  it('leaves the old token intact when the write after §6 fails (quota, or the worker stopped), and a retry drops the lost renewal', async () => {
    const { h, id, old } = await ready();
    const writable = refuseWriteAfter(h, '/aotp/v1/renew');
    expect((await h.send('account.renew', { id })).ok).toBe(false);
    writable();
    h.restart();
    const before = await stored(h);
    expect(before.tokens[0]!.renewal).toBeUndefined();
    expect(before.tokens[0]!.server!.state).toBe('active');
    expect(serverTokens(h).filter((t) => t.status === 'pending')).toHaveLength(1);
    h.clock.now += 30_000;
    expect(await h.ok('account.renew', { id })).toEqual({ outcome: 'renewed' });
    expect(old.status).toBe('superseded');
    expect(serverTokens(h).filter((t) => t.status === 'pending')).toHaveLength(0);
  });

  it('keeps showing the old token while the confirmation cannot be sent, and finishes after a restart', async () => {
    const { h, id, old } = await ready();
    // The click's confirmation and the retry right after it both fail.
    h.server.failNext.set('/aotp/v1/confirm', 2);
    expect(await h.ok('account.renew', { id })).toEqual({ outcome: 'renewing' });
    await h.settle();
    const state = await h.ok('state.get', {});
    expect(state.accounts[0]).toMatchObject({ state: 'renewing', renewal: 'retry', code: { value: nextCodeOf(old.seed, h.clock.now) } });
    expect(old.status).toBe('active');
    h.restart(); // the worker stopped
    h.clock.now += 61_000;
    expect((await refresh(h)).accounts[0]).toMatchObject({ id, state: 'active' });
    expect(old.status).toBe('superseded');
    expect((await stored(h)).tokens[0]!.renewal).toBeUndefined();
  });

  it('finishes when the last write failed after the server confirmed', async () => {
    const { h, id, old } = await ready();
    const writable = refuseWriteAfter(h, '/aotp/v1/confirm');
    expect((await h.send('account.renew', { id })).ok).toBe(false);
    writable();
    expect(old.status).toBe('superseded');
    const vault = await stored(h);
    expect(vault.tokens[0]!.renewal).toBeDefined();
    // The old code still shows (nothing lost); « Renouveler » finishes it.
    expect((await h.ok('state.get', {})).accounts[0]).toMatchObject({ state: 'renewing' });
    h.clock.now += 30_000;
    expect(await h.ok('account.renew', { id })).toEqual({ outcome: 'renewed' });
    const fresh = serverTokens(h).find((t) => t !== old)!;
    // A code of the new seed: this step's, or the next one's when this step's confirmed it (a retry in the background may have).
    expect([codeOf(fresh.seed, h.clock.now), nextCodeOf(fresh.seed, h.clock.now)]).toContain((await h.ok('state.get', {})).accounts[0]!.code!.value);
  });

  it('forgets a renewal the server dropped, and the old token stays', async () => {
    const { h, id, old } = await ready();
    h.server.failNext.set('/aotp/v1/confirm', 1);
    await h.ok('account.renew', { id });
    for (const [tokenId, t] of h.server.tokens) if (t !== old) h.server.tokens.delete(tokenId);
    expect(await h.send('account.renew', { id })).toMatchObject({ ok: false, error: { code: 'renewal_failed' } });
    expect((await stored(h)).tokens[0]!.renewal).toBeUndefined();
    expect((await h.ok('state.get', {})).accounts[0]!.state).toBe('active');
  });

  it('sends to the portal when the profile has no in-band renewal, or the token is revoked or expired', async () => {
    const { h, id } = await ready({ renewWindowDays: null });
    expect((await h.ok('state.get', {})).accounts[0]!.renewal).toBe('portal');
    expect(await h.send('account.renew', { id })).toMatchObject({ ok: false, error: { code: 'renewal_disabled' } });
    h.clock.now += 11 * DAY_MS;
    expect(await h.send('account.renew', { id })).toMatchObject({ ok: false, error: { code: 'renewal_expired' } });
  });

  it('renews a PIN token with its PIN once: the new seed is sealed under the same PIN', async () => {
    const h = harness({ validityDays: 10, renewWindowDays: 10, pin: { required: true, minLength: 4 } });
    const id = await addPinToken(h, '2468');
    await refresh(h);
    const old = serverTokens(h)[0]!;
    expect(await h.send('account.renew', { id })).toMatchObject({ ok: false, error: { code: 'pin_required' } });
    h.server.calls.length = 0;
    expect(await h.send('account.renew', { id, pin: '1357' })).toMatchObject({ ok: false, error: { code: 'pin_incorrect' } });
    expect(h.server.calls, 'unlocked: the mistyped PIN is caught without spending a try').toEqual([]);
    h.clock.now += 5 * 60_000;
    expect(await h.ok('account.renew', { id, pin: '2468' })).toEqual({ outcome: 'renewed' });
    const fresh = serverTokens(h).find((t) => t !== old)!;
    expect(old.status).toBe('superseded');
    expect(fresh.status).toBe('active');
    const token = (await stored(h)).tokens[0]!;
    expect(token.secret.type).toBe('pin');
    expect(JSON.stringify(await stored(h))).not.toContain(Buffer.from(fresh.seed).toString('base64url'));
    if (token.secret.type === 'pin') expect(await openSeedWithPin(token.secret, '2468')).toEqual(fresh.seed);
    // The auto-lock counts from the renewal; still unlocked, with the new seed.
    expect(h.timer.at).toBe(h.clock.now + 15 * 60_000);
    expect((await h.ok('state.get', {})).accounts[0]!.code!.value).toBe(nextCodeOf(fresh.seed, h.clock.now));
    // Locked, a wrong PIN is the server's to judge: counted as a failed login.
    await h.ok('vault.lock', {});
  });

  it('renews by itself with autoRenew, only tokens without a PIN', async () => {
    const h = harness({ validityDays: 40, renewWindowDays: 30 });
    await addToken(h);
    h.managed.value = { autoRenew: true };
    await refresh(h);
    expect(serverTokens(h)).toHaveLength(1);
    h.clock.now = T0 + 10 * DAY_MS + 1000;
    await refresh(h);
    expect(serverTokens(h).map((t) => t.status).sort()).toEqual(['active', 'superseded']);
    expect((await h.ok('state.get', {})).accounts[0]).toMatchObject({ state: 'active', daysLeft: 40 });

    const p = harness({ validityDays: 40, renewWindowDays: 30, pin: { required: true, minLength: 4 } });
    await addPinToken(p, '2468');
    p.managed.value = { autoRenew: true };
    p.clock.now = T0 + 10 * DAY_MS + 1000;
    await refresh(p);
    expect(serverTokens(p)).toHaveLength(1);
  });
});

describe('online PIN check', () => {
  async function locked(options: Parameters<typeof harness>[0] = {}) {
    const h = harness({ pin: { required: true, minLength: 4 }, ...options });
    const id = await addPinToken(h, '2468');
    await h.ok('vault.lock', {});
    return { h, id };
  }

  it('says the tries left, then the lockout and its end, and keeps the token locked', async () => {
    const { h, id } = await locked();
    const lefts: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const reply = await h.send('account.unlock', { id, pin: '1111' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'pin_incorrect' } });
      lefts.push(!reply.ok && reply.error.details?.failuresLeft);
    }
    expect(lefts).toEqual([4, 3, 2, 1]);
    const fifth = await h.send('account.unlock', { id, pin: '1111' });
    expect(fifth).toMatchObject({ ok: false, error: { code: 'login_locked', details: { retryAfter: 900, lockedUntil: T0 + 900_000 } } });
    // The right PIN now: the server neither checks nor counts it; still locked, no code.
    const sixth = await h.send('account.unlock', { id, pin: '2468' });
    expect(sixth).toMatchObject({ ok: false, error: { code: 'login_locked', details: { lockedUntil: T0 + 900_000 } } });
    const [account] = (await h.ok('state.get', {})).accounts;
    expect(account).toMatchObject({ locked: true });
    expect(account!.code).toBeUndefined();
    h.clock.now = T0 + 901_000;
    expect(await h.ok('account.unlock', { id, pin: '2468' })).toEqual({ pinCheck: 'valid' });
  });

  it('reads a lockout from a server before the additive fields (423 locked)', async () => {
    const { h, id } = await locked({ lockoutFields: false });
    for (let i = 0; i < 5; i++) expect(await h.send('account.unlock', { id, pin: '1111' })).toMatchObject({ ok: false, error: { code: 'pin_incorrect' } });
    expect(await h.send('account.unlock', { id, pin: '2468' })).toMatchObject({ ok: false, error: { code: 'login_locked', details: { retryAfter: 900 } } });
    expect((await h.ok('state.get', {})).accounts[0]!.locked).toBe(true);
  });

  it('tells an unreachable server apart from a PIN that could not be checked', async () => {
    const { h, id } = await locked();
    h.server.unreachable = true;
    expect(await h.ok('account.unlock', { id, pin: '2468' })).toEqual({ pinCheck: 'unchecked', reason: 'server_unreachable' });
    h.server.unreachable = false;
    await h.ok('vault.lock', {});
    serverTokens(h)[0]!.status = 'revoked';
    expect(await h.ok('account.unlock', { id, pin: '2468' })).toEqual({ pinCheck: 'unchecked', reason: 'token_revoked' });
    expect((await h.ok('state.get', {})).accounts[0]).toMatchObject({ state: 'revoked' });
    expect((await h.ok('state.get', {})).accounts[0]!.code).toBeUndefined();
  });
});

describe('content v2 in the background', () => {
  it('does not touch the seed bytes of the old token before the new one is confirmed', async () => {
    const h = harness({ validityDays: 10, renewWindowDays: 10 });
    const id = await addToken(h);
    const before = (await stored(h)).tokens[0]!;
    h.server.failNext.set('/aotp/v1/confirm', 1);
    await h.ok('account.renew', { id });
    const during = (await stored(h)).tokens[0]!;
    expect(during.secret).toEqual(before.secret);
    expect(during.server!.tokenId).toBe(before.server!.tokenId);
    expect(fromB64u(during.renewal!.server.tokenId)).toHaveLength(16);
  });
});
