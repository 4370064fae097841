import { describe, expect, it } from 'vitest';
import { openVault, VAULT_STORAGE_KEY } from '../core/vault.ts';
import { ORIGIN, SERVER_URL } from '../testing/background/fake-server.ts';
import { harness, T0 } from '../testing/background/harness.ts';
import { readPolicy } from './policy.ts';

const OTHER = 'https://autre.example';

async function add(h: ReturnType<typeof harness>) {
  return h.send('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
}

describe('reading the policy', () => {
  it('treats an error, an empty area, no area or garbage as no policy', async () => {
    const none = { managed: false, demoAllowed: true, autoLockChoices: [0, 1, 5, 15, 30, 60, 240], fillEnabled: true, autoFillManaged: false };
    for (const value of [new Error('Managed storage manifest not found'), {}, 'garbage', [1, 2], null, { forcePin: 'yes', autoLockMinutes: '5', other: 1 }]) {
      const h = harness();
      h.managed.value = value;
      expect((await h.ok('state.get', {})).policy, String(value)).toEqual(none);
      expect(await add(h)).toMatchObject({ ok: true, value: { kind: 'added', confirmed: true } });
    }
    expect(await readPolicy(undefined)).toMatchObject({ managed: false });
  });

  it('reads it again for each decision: a change by the service centre applies without a restart', async () => {
    const h = harness();
    expect((await h.ok('state.get', {})).policy.demoAllowed).toBe(true);
    h.managed.value = { demoMode: false };
    expect((await h.ok('state.get', {})).policy).toMatchObject({ managed: true, demoAllowed: false });
    h.managed.value = {};
    await h.ok('demo.set', { enabled: true });
  });

  it('gives the popup the default server URL, only when it is https', async () => {
    const h = harness();
    h.managed.value = { defaultServerUrl: SERVER_URL };
    expect((await h.ok('state.get', {})).policy).toMatchObject({ managed: true, defaultServerUrl: SERVER_URL });
    h.managed.value = { defaultServerUrl: 'http://teleacces.example/p' };
    expect((await h.ok('state.get', {})).policy.defaultServerUrl).toBeUndefined();
  });
});

describe('allowed login origins', () => {
  it('refuses a token for a login site the organisation does not allow, and saves and confirms nothing', async () => {
    const h = harness();
    h.managed.value = { allowedLoginOrigins: [OTHER] };
    expect(await add(h)).toMatchObject({ ok: false, error: { code: 'login_origin_not_allowed' } });
    expect(h.server.calls).toEqual(['/aotp/v1/provision']); // never confirmed: the server discards it
    expect([...h.server.tokens.values()][0]!.status).toBe('pending');
    expect(h.local.data.size).toBe(0);
    expect(h.session.data.has('pendingSetup')).toBe(false);
  });

  it('refuses before spending the activation code when the list allows nothing', async () => {
    const h = harness();
    h.managed.value = { allowedLoginOrigins: ['teleacces.example'] }; // not an origin: fails closed
    expect(await add(h)).toMatchObject({ ok: false, error: { code: 'login_origin_not_allowed' } });
    expect(h.server.calls).toEqual([]);
  });

  it('keeps a token whose origin is allowed', async () => {
    const h = harness();
    h.managed.value = { allowedLoginOrigins: [OTHER, ORIGIN] };
    expect(await add(h)).toMatchObject({ ok: true, value: { kind: 'added', confirmed: true } });
    expect((await h.ok('state.get', {})).accounts[0]!.loginOrigins).toEqual([ORIGIN]);
  });

  it('stops offering a site removed from the list after the token was added', async () => {
    const h = harness();
    await add(h);
    h.managed.value = { allowedLoginOrigins: [OTHER] };
    expect((await h.ok('state.get', {})).accounts[0]!.loginOrigins).toEqual([]);
  });

  it('checks again when the PIN is chosen', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    await add(h);
    h.managed.value = { allowedLoginOrigins: [OTHER] };
    expect(await h.send('account.set-pin', { pin: '2468' })).toMatchObject({ ok: false, error: { code: 'login_origin_not_allowed' } });
    expect(h.local.data.size).toBe(0);
  });
});

describe('forced PIN', () => {
  it('asks for a PIN the profile does not require, 4 characters by default, and seals the token under it', async () => {
    const h = harness();
    h.managed.value = { forcePin: true };
    expect(await add(h)).toMatchObject({ ok: true, value: { kind: 'pin_required', setup: { minLength: 4, byPolicy: true } } });
    expect(h.local.data.size).toBe(0);
    expect(await h.send('account.set-pin', { pin: '123' })).toMatchObject({ ok: false, error: { code: 'pin_too_short' } });
    expect(await h.ok('account.set-pin', { pin: '2468' })).toMatchObject({ kind: 'added', confirmed: true });
    const vault = JSON.stringify(await openVault(h.keys.key!, h.local.data.get(VAULT_STORAGE_KEY)));
    expect(vault).toContain('"type":"pin"');
    expect(vault).not.toContain(Buffer.from([...h.server.tokens.values()][0]!.seed).toString('base64url'));
  });

  it('raises the profile’s minimum to the policy’s', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    h.managed.value = { minPinLength: 6 };
    expect(await add(h)).toMatchObject({ ok: true, value: { setup: { minLength: 6, byPolicy: true } } });
    expect(await h.send('account.set-pin', { pin: '24680' })).toMatchObject({ ok: false, error: { code: 'pin_too_short' } });
    expect((await h.ok('state.get', {})).pendingSetup).toMatchObject({ minLength: 6 });
    await h.ok('account.set-pin', { pin: '246801' });
  });

  it('leaves the profile’s PIN alone when the policy asks for less', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    h.managed.value = { forcePin: true, minPinLength: 2 };
    const added = await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
    expect(added).toEqual({ kind: 'pin_required', setup: { issuer: 'Téléaccès', userId: 'format01', serverUrl: SERVER_URL, minLength: 4 } });
  });
});

describe('auto-lock under a policy', () => {
  it('offers only delays up to the maximum and refuses a longer one', async () => {
    const h = harness();
    h.managed.value = { autoLockMinutes: 30 };
    const state = await h.ok('state.get', {});
    expect(state.policy.autoLockChoices).toEqual([1, 5, 15, 30]);
    expect(state.settings.autoLockMinutes).toBe(15);
    expect(await h.send('settings.set', { autoLockMinutes: 60 })).toMatchObject({ ok: false, error: { code: 'managed_setting' } });
    expect(await h.send('settings.set', { autoLockMinutes: 0 })).toMatchObject({ ok: false, error: { code: 'managed_setting' } });
    expect(await h.ok('settings.set', { autoLockMinutes: 5 })).toMatchObject({ autoLockMinutes: 5 });
    expect(await h.ok('settings.set', { language: 'en' })).toEqual({ language: 'en', autoLockMinutes: 5, autoFill: false });
  });

  it('locks after the maximum when the user had chosen longer before the policy', async () => {
    const h = harness({ pin: { required: true, minLength: 4 } });
    await add(h);
    await h.ok('settings.set', { autoLockMinutes: 0 });
    const { id } = await h.ok('account.set-pin', { pin: '2468' });
    expect(h.timer.at).toBeNull(); // no time limit chosen
    h.managed.value = { autoLockMinutes: 45 };
    expect((await h.ok('state.get', {})).settings.autoLockMinutes).toBe(30);
    // The popup's opening pushes the auto-lock back (status.refresh, once per opening).
    await h.ok('status.refresh', {});
    expect(h.timer.at).toBe(T0 + 30 * 60_000);
    await h.ok('vault.lock', {});
    h.clock.now = T0 + 1000;
    await h.ok('account.unlock', { id, pin: '2468' });
    expect(h.timer.at).toBe(T0 + 1000 + 30 * 60_000);
  });
});

describe('demo mode off', () => {
  it('refuses the demo token, and removes one added before', async () => {
    const h = harness();
    await h.ok('demo.set', { enabled: true });
    h.managed.value = { demoMode: false };
    expect(await h.send('demo.set', { enabled: true })).toMatchObject({ ok: false, error: { code: 'demo_disabled' } });
    const state = await h.ok('state.get', {});
    expect(state.accounts).toEqual([]);
    expect(state.demo).toBe(false);
    // Removed by the round the popup's opening sets off (and the daily alarm).
    await h.ok('status.refresh', {});
    h.managed.value = {};
    expect((await h.ok('state.get', {})).accounts).toEqual([]); // gone from the vault, not only hidden
    await h.ok('demo.set', { enabled: false });
  });
});

describe('backup import under a policy', () => {
  async function backup(options: Parameters<typeof harness>[0] = {}) {
    const from = harness({ exportable: true, ...options });
    await from.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: from.code });
    if (options.pin) await from.ok('account.set-pin', { pin: '2468' });
    return (await from.ok('backup.export', { password: 'correct horse' })).file;
  }

  it('refuses a token without PIN when the PIN is forced, and a token for a site not allowed', async () => {
    const plain = await backup();
    const to = harness();
    to.managed.value = { forcePin: true };
    expect(await to.ok('backup.import', { file: plain, password: 'correct horse' })).toEqual({ added: 0, refused: 1 });
    to.managed.value = { allowedLoginOrigins: [OTHER] };
    expect(await to.ok('backup.import', { file: plain, password: 'correct horse' })).toEqual({ added: 0, refused: 1 });
    expect((await to.ok('state.get', {})).accounts).toEqual([]);
  });

  it('imports a PIN token for an allowed site', async () => {
    const withPin = await backup({ pin: { required: true, minLength: 4 } });
    const to = harness();
    to.managed.value = { forcePin: true, allowedLoginOrigins: [ORIGIN, OTHER] };
    expect(await to.ok('backup.import', { file: withPin, password: 'correct horse' })).toEqual({ added: 1, refused: 0 });
    expect((await to.ok('state.get', {})).accounts[0]).toMatchObject({ pin: true, loginOrigins: [ORIGIN] });
  });
});
