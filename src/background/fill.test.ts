import { describe, expect, it } from 'vitest';
import { NO_POLICY, parsePolicy } from '../core/policy.ts';
import type { TokenRecord } from '../core/vault.ts';
import { fillCommand, FILL_COMMAND_MESSAGE } from './fill-command.ts';
import { fillOrigins, offerableOrigins, offerableTokens } from './fill-tokens.ts';
import { ORIGIN, SERVER_URL } from '../testing/background/fake-server.ts';
import { EXTENSION_ID, harness, POPUP, T0 } from '../testing/background/harness.ts';
import { contentCaller, type Sender } from './router.ts';
import { tokenRecord } from '../testing/token-record.ts';

/** A content script's sender as Chrome reports it (Firefox gives no `origin`). */
const page = (url: string, top = url, frameId = 0, origin: string | undefined = new URL(url).origin): Sender => ({
  id: EXTENSION_ID,
  url,
  ...(origin === undefined ? {} : { origin }),
  frameId,
  tab: { id: 7, url: top },
});
const LOGIN = page(`${ORIGIN}/login/code`);

async function withToken(pin?: { required: boolean; minLength: number }) {
  const h = harness(pin ? { pin } : {});
  const added = await h.ok('account.add', { serverUrl: SERVER_URL, userId: 'format01', code: h.code });
  if (added.kind === 'pin_required') await h.ok('account.set-pin', { pin: '2468' });
  await h.settle();
  const id = (await h.ok('state.get', {})).accounts[0]!.id;
  return { h, id };
}

describe('the caller of a content message, from what the browser reports', () => {
  const options = { extensionId: EXTENSION_ID };

  it('takes the frame’s origin from its URL and the top page’s from the tab', () => {
    expect(contentCaller(LOGIN, options)).toEqual({ kind: 'content', tabId: 7, frameId: 0, origin: ORIGIN, topOrigin: ORIGIN });
    expect(contentCaller(page(`${ORIGIN}/f`, 'https://autre.example/', 3), options)).toMatchObject({ origin: ORIGIN, topOrigin: 'https://autre.example' });
    // Firefox: no sender.origin.
    expect(contentCaller(page(`${ORIGIN}/f`, `${ORIGIN}/`, 0, undefined), options)).toMatchObject({ origin: ORIGIN });
  });

  it.each([
    ['another extension', { ...LOGIN, id: 'other' }],
    ['no tab', { ...LOGIN, tab: undefined }],
    ['no frame id', { ...LOGIN, frameId: undefined }],
    ['a sandboxed frame (origin "null")', page(`${ORIGIN}/f`, `${ORIGIN}/`, 2, 'null')],
    ['an origin that disagrees with the URL', { ...LOGIN, origin: 'https://evil.example' }],
    ['a top frame whose tab shows another page', page(`${ORIGIN}/f`, 'https://evil.example/', 0)],
    ['a sub-frame whose top page is hidden from Jeton', { ...page(`${ORIGIN}/f`, `${ORIGIN}/`, 4), tab: { id: 7 } }],
    ['a non-web URL', page('about:blank', `${ORIGIN}/`, 1, undefined)],
  ])('is none for %s', (_, sender) => {
    expect(contentCaller(sender as Sender, options)).toBeNull();
  });
});

describe('which tokens may be offered where', () => {
  const token = (over: Partial<TokenRecord> & { state?: 'active' | 'pending'; origins?: string[] } = {}): TokenRecord =>
    tokenRecord('t1', { demo: false, server: { state: over.state ?? 'active', loginOrigins: over.origins ?? [ORIGIN] } as TokenRecord['server'], ...over });

  it('offers an active, unexpired token on its exact login origins only', () => {
    expect(offerableOrigins(token(), NO_POLICY, T0)).toEqual([ORIGIN]);
    expect(offerableTokens([token()], ORIGIN, ORIGIN, NO_POLICY, T0)).toHaveLength(1);
    for (const other of ['https://teleacces.example:8443', 'http://teleacces.example', 'https://a.teleacces.example', 'https://teleacces.example.evil.example']) {
      expect(offerableTokens([token()], other, other, NO_POLICY, T0), other).toEqual([]);
    }
    // A pinned page framed by another origin, or another origin framed by a pinned page.
    expect(offerableTokens([token()], ORIGIN, 'https://evil.example', NO_POLICY, T0)).toEqual([]);
    expect(offerableTokens([token()], 'https://evil.example', ORIGIN, NO_POLICY, T0)).toEqual([]);
  });

  it('never offers a pending, expired or demo token, nor anything when the organisation turned filling off', () => {
    expect(offerableOrigins(token({ state: 'pending' }), NO_POLICY, T0)).toEqual([]);
    expect(offerableOrigins(token({ expiresAt: new Date(T0).toISOString() }), NO_POLICY, T0)).toEqual([]);
    expect(offerableOrigins(token({ demo: true, server: undefined }), NO_POLICY, T0)).toEqual([]);
    expect(offerableOrigins(token(), parsePolicy({ fillEnabled: false }), T0)).toEqual([]);
  });

  it('keeps to the origins the policy allows, and lists each origin once', () => {
    const two = token({ origins: [ORIGIN, 'https://autre.example'] });
    expect(offerableOrigins(two, parsePolicy({ allowedLoginOrigins: ['https://autre.example'] }), T0)).toEqual(['https://autre.example']);
    expect(fillOrigins([two, token({ id: 't2' })], NO_POLICY, T0)).toEqual(['https://autre.example', ORIGIN]);
  });
});

describe('fill messages', () => {
  it('offers the token on its login page, never its code or seed, and gives the code when asked', async () => {
    const { h, id } = await withToken();
    const offers = await h.send('fill.offers', {}, LOGIN);
    expect(offers).toEqual({ ok: true, value: { offers: [{ id, issuer: expect.any(String), userId: 'format01', locked: false, digits: 6 }], autoFill: false, language: 'browser' } });
    const code = await h.send('fill.code', { id }, LOGIN);
    const shown = (await h.ok('state.get', {})).accounts[0]!.code!.value;
    expect(code).toEqual({ ok: true, value: { code: shown } });
  });

  it('answers another origin, a foreign top page or the popup nothing', async () => {
    const { h, id } = await withToken();
    for (const sender of [page('https://teleacces.example:8443/login'), page(`${ORIGIN}/login`, 'https://evil.example/', 2), page('https://evil.example/')]) {
      expect(await h.send('fill.offers', {}, sender)).toEqual({ ok: true, value: { offers: [], autoFill: false, language: 'browser' } });
      expect(await h.send('fill.code', { id }, sender)).toMatchObject({ ok: false, error: { code: 'not_offered' } });
    }
    expect(await h.send('fill.code', { id }, POPUP)).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(await h.send('state.get', {}, LOGIN)).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
  });

  it('gives no code for a locked PIN token, and opens the popup to unlock it where the browser can', async () => {
    const { h, id } = await withToken({ required: true, minLength: 4 });
    await h.ok('vault.lock', {});
    expect(await h.send('fill.offers', {}, LOGIN)).toMatchObject({ ok: true, value: { offers: [{ id, locked: true }] } });
    expect(await h.send('fill.code', { id }, LOGIN)).toMatchObject({ ok: false, error: { code: 'locked' } });
    // The harness's background has no openPopup: as Firefox, which refuses it without a toolbar click.
    expect(await h.send('fill.unlock', {}, LOGIN)).toEqual({ ok: true, value: { opened: false } });
    expect(await h.send('fill.unlock', {}, page('https://evil.example/'))).toMatchObject({ ok: false, error: { code: 'not_offered' } });
  });

  it('follows the user’s and the organisation’s auto-fill choice, and offers nothing when filling is off', async () => {
    const { h } = await withToken();
    await h.ok('settings.set', { autoFill: true });
    expect(await h.send('fill.offers', {}, LOGIN)).toMatchObject({ ok: true, value: { autoFill: true } });
    h.managed.value = { autoFill: false };
    expect(await h.send('fill.offers', {}, LOGIN)).toMatchObject({ ok: true, value: { autoFill: false } });
    expect(await h.send('settings.set', { autoFill: true })).toMatchObject({ ok: false, error: { code: 'managed_setting' } });
    h.managed.value = { fillEnabled: false };
    expect(await h.send('fill.offers', {}, LOGIN)).toMatchObject({ ok: true, value: { offers: [], autoFill: false } });
    expect((await h.ok('state.get', {})).policy).toMatchObject({ fillEnabled: false, autoFillManaged: false });
  });
});

describe('the keyboard command', () => {
  it('tells the tab’s content scripts, or the active tab’s, and ignores a tab without Jeton', async () => {
    const sent: Array<[number, unknown]> = [];
    const tabs = {
      query: async () => [{ id: 9 }],
      sendMessage: async (id: number, message: unknown) => {
        sent.push([id, message]);
        if (id === 5) throw new Error('Could not establish connection. Receiving end does not exist.');
      },
    };
    await fillCommand(tabs, 3);
    await fillCommand(tabs, undefined);
    await fillCommand(tabs, 5);
    expect(sent).toEqual([
      [3, FILL_COMMAND_MESSAGE],
      [9, FILL_COMMAND_MESSAGE],
      [5, FILL_COMMAND_MESSAGE],
    ]);
  });
});

describe('the popup under a policy that turns filling off', () => {
  it('asks for no host access (no « Autoriser le remplissage »)', async () => {
    const { h } = await withToken();
    expect((await h.ok('state.get', {})).accounts[0]!.loginOrigins).toEqual([ORIGIN]);
    h.managed.value = { fillEnabled: false };
    expect((await h.ok('state.get', {})).accounts[0]!.loginOrigins).toEqual([]);
  });
});
