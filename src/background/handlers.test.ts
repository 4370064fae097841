import { describe, expect, it, vi } from 'vitest';
import { generateActivationCode } from '../core/activation-code.ts';
import { generateTOTP } from '../core/totp.ts';
import { openVault, VAULT_STORAGE_KEY } from '../core/vault.ts';
import { SERVER_URL } from '../testing/background/fake-server.ts';
import { harness, T0 } from '../testing/background/harness.ts';
import { cachedManaged } from './storage-cache.ts';

const codeOf = (seed: Uint8Array, at: number) => generateTOTP({ seed, algorithm: 'SHA1', digits: 6, period: 30 }, at);

/** Everything the extension stored, decrypted: what an attacker with the vault key would read. */
async function storedVaultJSON(h: ReturnType<typeof harness>): Promise<string> {
  return JSON.stringify(await openVault(h.keys.key!, h.local.data.get(VAULT_STORAGE_KEY)));
}

describe('adding a token without PIN', () => {
  it('provisions, saves, confirms with the current code, and shows codes but never the seed', async () => {
    const h = harness();
    const added = await h.ok('account.add', { serverUrl: SERVER_URL, userId: ' Format01 ', code: h.code.replace(/(\d{4})/, '$1 ') });
    expect(added).toMatchObject({ kind: 'added', confirmed: true });
    expect(h.server.calls).toEqual(['/aotp/v1/provision', '/aotp/v1/confirm']);
    const [serverToken] = [...h.server.tokens.values()];
    expect(serverToken!.status).toBe('active');

    h.clock.now = T0 + 12_345;
    const state = await h.ok('state.get', {});
    expect(state.accounts).toHaveLength(1);
    const [account] = state.accounts;
    expect(account).toMatchObject({ issuer: 'Téléaccès', userId: 'format01', state: 'active', pin: false, locked: false, demo: false });
    expect(account!.loginOrigins).toEqual(['https://teleacces.example']);
    // Still in the step whose code confirmed the token: the server refuses that code as a replay, so the next one shows.
    expect(account!.code).toEqual({ value: codeOf(serverToken!.seed, T0 + 30_000), stepEndsAt: T0 + 60_000, period: 30 });
    expect(JSON.stringify(state)).not.toContain(Buffer.from(serverToken!.seed).toString('base64url'));

    h.clock.now = T0 + 61_000;
    const later = await h.ok('state.get', {});
    expect(later.accounts[0]!.code).toEqual({ value: codeOf(serverToken!.seed, h.clock.now), stepEndsAt: T0 + 90_000, period: 30 });
  });

  it('catches a mistyped code before any network call', async () => {
    const h = harness();
    const last = Number(h.code[7]);
    const typo = h.code.slice(0, 7) + String((last + 1) % 10);
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: typo })).toMatchObject({ ok: false, error: { code: 'code_checksum' } });
    const swapped = h.code[0] === h.code[1] ? null : h.code[1]! + h.code[0]! + h.code.slice(2);
    if (swapped) expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: swapped })).toMatchObject({ ok: false, error: { code: 'code_checksum' } });
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: '1234' })).toMatchObject({ ok: false, error: { code: 'code_length' } });
    expect(await h.send('account.add', { serverUrl: 'http://teleacces.example/p', userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code: 'insecure_url' } });
    expect(h.server.calls).toEqual([]);
  });

  it.each([
    ['expired', 'activation_expired'],
    ['used', 'activation_used'],
    ['locked', 'activation_locked'],
  ] as const)('reports an %s activation as %s and saves nothing', async (activation, code) => {
    const h = harness({ activation });
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code } });
    expect(h.local.data.size).toBe(0);
  });

  it('says when a right code was replaced by a newer one (only a right proof learns it)', async () => {
    const h = harness({ activation: 'replaced' });
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code: 'activation_replaced' } });
    let other = generateActivationCode();
    while (other === h.code) other = generateActivationCode();
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: other })).toMatchObject({ ok: false, error: { code: 'invalid_activation_code' } });
    expect(h.local.data.size).toBe(0);
  });

  it('answers a wrong code or an unknown user the same way', async () => {
    const h = harness();
    let other = generateActivationCode();
    while (other === h.code) other = generateActivationCode();
    const wrongCode = await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: other });
    const unknownUser = await h.send('account.add', { serverUrl: SERVER_URL, userId: 'nobody', code: h.code });
    expect(wrongCode).toEqual(unknownUser);
    expect(wrongCode).toMatchObject({ ok: false, error: { code: 'invalid_activation_code' } });
  });

  it('reports a server failure apart from the extension’s own', async () => {
    const h = harness();
    h.deps.fetch = async () => ({ status: 500, headers: { get: () => null }, text: async () => '{"error":"internal_error","message":"boom"}' });
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code: 'server_error' } });
  });

  it('reports an unreachable server, and a server that cannot prove it knew the code', async () => {
    const h = harness();
    h.server.unreachable = true;
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code: 'server_unreachable' } });
    h.server.unreachable = false;
    h.server.impostor = true;
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code: 'server_unproven' } });
    expect(h.local.data.size).toBe(0);
  });

  it('keeps the token when the confirmation fails, and confirms it later', async () => {
    const h = harness();
    const realFetch = h.server.fetch;
    h.deps.fetch = async (url, init) => {
      if (url.endsWith('/confirm')) throw new TypeError('offline');
      return realFetch(url, init);
    };
    const added = await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    expect(added).toMatchObject({ kind: 'added', confirmed: false, confirmError: { code: 'server_unreachable' } });
    h.restart(); // the worker stopped; the real fetch is back
    expect((await h.ok('state.get', {})).accounts[0]!.state).toBe('pending');
    await h.settle();
    expect((await h.ok('state.get', {})).accounts[0]!.state, 'state.get only reads').toBe('pending');
    // The popup, once open, sends status.refresh: its round retries the confirmation.
    await h.ok('status.refresh', {});
    expect((await h.ok('state.get', {})).accounts[0]!.state).toBe('active');
  });

  it('leaves the vault as it was when storage is full', async () => {
    const h = harness();
    await h.ok('demo.set', { enabled: true });
    const before = structuredClone(h.local.data.get(VAULT_STORAGE_KEY));
    h.local.failSet = new Error('QUOTA_BYTES quota exceeded');
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    expect(h.local.data.get(VAULT_STORAGE_KEY)).toEqual(before);
    h.local.failSet = null;
    expect((await h.ok('state.get', {})).accounts.map((a) => a.demo)).toEqual([true]);
  });
});

describe('state.get', () => {
  it('only reads: no server asked, nothing written, even with a token to confirm, one unlocked and a demo token refused', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    const realFetch = h.server.fetch;
    h.deps.fetch = async (url, init) => {
      if (url.endsWith('/confirm')) throw new TypeError('offline');
      return realFetch(url, init);
    };
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    expect(await h.ok('account.set-pin', { pin: '2468' })).toMatchObject({ confirmed: false });
    await h.ok('demo.set', { enabled: true });
    h.managed.value = { demoMode: false };
    h.restart();
    h.clock.now = T0 + 5 * 60_000;
    const local = structuredClone([...h.local.data]);
    const session = structuredClone([...h.session.data]);
    const timer = h.timer.at;
    h.server.calls.length = 0;

    const state = await h.ok('state.get', {});
    await h.settle();
    expect(state.accounts).toHaveLength(1);
    expect(state.accounts[0]).toMatchObject({ state: 'pending', locked: false });
    expect(h.server.calls).toEqual([]);
    expect([...h.local.data]).toEqual(local);
    expect([...h.session.data]).toEqual(session);
    expect(h.timer.at).toBe(timer);
  });
});

describe('state.waiting', () => {
  it('says when the state waits for the browser’s first answer about the organisation’s rules, and not once it came', async () => {
    const h = harness();
    let answer: (policy: Record<string, unknown>) => void = () => undefined;
    h.deps.managed = cachedManaged({ get: () => new Promise((resolve) => (answer = resolve)) }, () => undefined);
    expect(await h.ok('state.waiting', {})).toEqual({ policy: false });
    const state = h.ok('state.get', {});
    await vi.waitFor(async () => expect(await h.ok('state.waiting', {})).toEqual({ policy: true }));
    answer({ demoMode: false });
    expect((await state).policy).toMatchObject({ managed: true, demoAllowed: false });
    expect(await h.ok('state.waiting', {})).toEqual({ policy: false });
  });
});

describe('adding a token with a PIN', () => {
  const pin = { required: true, minLength: 4 };

  it('waits for the PIN in the session, across a worker restart, then seals, saves and confirms', async () => {
    const h = harness({ pin });
    const added = await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    expect(added).toEqual({ kind: 'pin_required', setup: { issuer: 'Téléaccès', userId: 'format01', serverUrl: SERVER_URL, minLength: 4 } });
    expect(h.local.data.size).toBe(0); // nothing saved before the PIN

    h.restart(); // popup closed, worker stopped
    expect((await h.ok('state.get', {})).pendingSetup).toMatchObject({ minLength: 4 });
    expect(await h.send('account.set-pin', { pin: '123' })).toMatchObject({ ok: false, error: { code: 'pin_too_short' } });
    expect(await h.ok('account.set-pin', { pin: '2468' })).toMatchObject({ kind: 'added', confirmed: true });

    const [serverToken] = [...h.server.tokens.values()];
    const seed = Buffer.from(serverToken!.seed).toString('base64url');
    expect(serverToken!.status).toBe('active');
    const vault = await storedVaultJSON(h);
    expect(vault).not.toContain(seed); // camouflaged: only the PIN opens it
    expect(vault).toContain('"type":"pin"');
    expect(JSON.stringify([...h.session.data.entries()])).not.toContain('pendingSetup');

    const state = await h.ok('state.get', {});
    expect(state.pendingSetup).toBeNull();
    expect(state.accounts[0]).toMatchObject({ pin: true, locked: false, code: { value: codeOf(serverToken!.seed, T0 + 30_000) } });
    expect(h.timer.at).toBe(T0 + 15 * 60_000);
  });

  async function addedWithPin() {
    const h = harness({ pin });
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    const { id } = await h.ok('account.set-pin', { pin: '2468' });
    await h.ok('vault.lock', {});
    return { h, id, seed: [...h.server.tokens.values()][0]!.seed };
  }

  it('locks: no code, no seed in the session, auto-lock cancelled', async () => {
    const { h } = await addedWithPin();
    const state = await h.ok('state.get', {});
    expect(state.accounts[0]).toMatchObject({ locked: true });
    expect(state.accounts[0]!.code).toBeUndefined();
    expect(h.session.data.has('unlocked')).toBe(false);
    expect(h.timer.at).toBeNull();
  });

  it('unlocks with the right PIN, checked online', async () => {
    const { h, id, seed } = await addedWithPin();
    h.clock.now = T0 + 95_000;
    h.server.calls.length = 0;
    expect(await h.ok('account.unlock', { id, pin: '2468' })).toEqual({ pinCheck: 'valid' });
    expect(h.server.calls).toEqual(['/aotp/v1/status']);
    expect((await h.ok('state.get', {})).accounts[0]!.code!.value).toBe(codeOf(seed, h.clock.now));
  });

  it('says "PIN incorrect" and locks again when the server rejects the code of a wrong PIN', async () => {
    const { h, id } = await addedWithPin();
    expect(await h.send('account.unlock', { id, pin: '1357' })).toMatchObject({ ok: false, error: { code: 'pin_incorrect' } });
    expect((await h.ok('state.get', {})).accounts[0]).toMatchObject({ locked: true });
  });

  it('stays unlocked, unchecked, when the server cannot be reached', async () => {
    const { h, id } = await addedWithPin();
    h.server.unreachable = true;
    expect(await h.ok('account.unlock', { id, pin: '1357' })).toEqual({ pinCheck: 'unchecked', reason: 'server_unreachable' });
    expect((await h.ok('state.get', {})).accounts[0]).toMatchObject({ locked: false });
  });

  it('checks the PIN at the server’s time when the clock is off', async () => {
    const { h, id, seed } = await addedWithPin();
    const serverNow = h.clock.now;
    // The server's clock stays at serverNow (fake server reads h.clock); skew the client only.
    h.deps.now = () => serverNow + 20 * 60_000;
    expect(await h.ok('account.unlock', { id, pin: '2468' })).toEqual({ pinCheck: 'valid' });
    expect(h.server.calls.filter((c) => c.endsWith('/status'))).toHaveLength(2);
    expect(seed).toHaveLength(20);
  });

  it('can be abandoned before the PIN is chosen', async () => {
    const h = harness({ pin });
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    expect(await h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code })).toMatchObject({ ok: false, error: { code: 'setup_in_progress' } });
    await h.ok('account.cancel-setup', {});
    expect((await h.ok('state.get', {})).pendingSetup).toBeNull();
  });
});

describe('demo mode, settings and removal', () => {
  it('adds one local demo token that never reaches a server, and removes it', async () => {
    const h = harness();
    await h.ok('demo.set', { enabled: true });
    await h.ok('demo.set', { enabled: true });
    const state = await h.ok('state.get', {});
    expect(state.demo).toBe(true);
    expect(state.accounts).toHaveLength(1);
    expect(state.accounts[0]).toMatchObject({ demo: true, locked: false, code: { value: expect.stringMatching(/^\d{6}$/) } });
    expect(state.accounts[0]!.portalUrl).toBeUndefined();
    expect(h.server.calls).toEqual([]);
    await h.ok('demo.set', { enabled: false });
    expect((await h.ok('state.get', {})).accounts).toEqual([]);
  });

  it('stores settings in the encrypted vault and reschedules auto-lock', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    await h.ok('account.set-pin', { pin: '2468' });
    expect(await h.ok('settings.set', { language: 'en', autoLockMinutes: 5 })).toEqual({ language: 'en', autoLockMinutes: 5, autoFill: false });
    expect(h.timer.at).toBe(T0 + 5 * 60_000);
    expect(JSON.stringify([...h.local.data.values()])).not.toContain('"en"');
    await h.ok('settings.set', { autoLockMinutes: 0 });
    expect(h.timer.at).toBeNull();
    expect((await h.ok('state.get', {})).settings).toEqual({ language: 'en', autoLockMinutes: 0, autoFill: false });
  });

  it('removes a token locally only, and forgets its unlocked seed', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    const { id } = await h.ok('account.set-pin', { pin: '2468' });
    h.server.calls.length = 0;
    await h.ok('account.remove', { id });
    expect(h.server.calls).toEqual([]);
    expect((await h.ok('state.get', {})).accounts).toEqual([]);
    expect(await h.send('account.remove', { id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(h.session.data.get('unlocked') ?? {}).toEqual({});
  });
});

describe('a vault that cannot be opened', () => {
  it('says so, and can start over only then, keeping nothing', async () => {
    const h = harness();
    await h.ok('demo.set', { enabled: true });
    expect(await h.send('vault.reset', { confirm: true })).toMatchObject({ ok: false, error: { code: 'vault_readable' } });
    h.keys.key = null; // IndexedDB cleared, storage.local kept
    h.restart();
    expect(await h.send('state.get', {})).toMatchObject({ ok: false, error: { code: 'vault_key_missing' } });
    expect(await h.send('demo.set', { enabled: true })).toMatchObject({ ok: false, error: { code: 'vault_key_missing' } });
    expect(await h.send('vault.reset', {} as never)).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    await h.ok('vault.reset', { confirm: true });
    expect((await h.ok('state.get', {})).accounts).toEqual([]);
    await h.ok('demo.set', { enabled: true });
    expect((await h.ok('state.get', {})).accounts).toHaveLength(1);
  });
});

describe('encrypted backup', () => {
  it('moves exportable tokens to another browser, PIN tokens still behind their PIN', async () => {
    const from = harness({ exportable: true, pin: { required: true, minLength: 4 } });
    await from.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: from.code });
    await from.ok('account.set-pin', { pin: '2468' });
    await from.ok('demo.set', { enabled: true });
    expect((await from.ok('state.get', {})).accounts.map((a) => a.exportable)).toEqual([true, false]);
    const { file, count } = await from.ok('backup.export', { password: 'correct horse' });
    expect(count).toBe(1);

    const to = harness();
    expect(await to.send('backup.import', { file, password: 'wrong horse' })).toMatchObject({ ok: false, error: { code: 'backup_password' } });
    expect(await to.ok('backup.import', { file, password: 'correct horse' })).toEqual({ added: 1, refused: 0 });
    expect(await to.ok('backup.import', { file, password: 'correct horse' })).toEqual({ added: 0, refused: 0 });
    const [account] = (await to.ok('state.get', {})).accounts;
    expect(account).toMatchObject({ userId: 'format01', pin: true, locked: true });
  });

  it('exports nothing when the profile does not allow it', async () => {
    const h = harness();
    await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    expect(await h.send('backup.export', { password: 'correct horse' })).toMatchObject({ ok: false, error: { code: 'backup_nothing' } });
  });
});
