import { describe, expect, it } from 'vitest';
import { JetonError } from '../core/errors.ts';
import { REQUEST_READERS, wireMessage } from '../core/messages.ts';
import { createHandlers, type Handlers } from './handlers.ts';
import { EXTENSION_ID, EXTENSION_ORIGIN, harness, POPUP } from '../testing/background/harness.ts';
import { createRouter, isExtensionPage } from './router.ts';

const options = { extensionId: EXTENSION_ID, extensionOrigin: EXTENSION_ORIGIN };

describe('isExtensionPage', () => {
  it('accepts the extension’s own pages, in a popup or a tab, in Chrome and Firefox', () => {
    expect(isExtensionPage(POPUP, options)).toBe(true);
    expect(isExtensionPage({ id: EXTENSION_ID, url: `${EXTENSION_ORIGIN}/src/popup/index.html?tab=1` }, options)).toBe(true);
    const firefox = { extensionId: 'jeton@jeton.example', extensionOrigin: 'moz-extension://0b9c4a52-5b5e-4e5c-9d2c-1f0c8b9f3e11' };
    expect(isExtensionPage({ id: 'jeton@jeton.example', url: `${firefox.extensionOrigin}/src/popup/index.html` }, firefox)).toBe(true);
  });

  it.each([
    ['a content script on a web page', { id: EXTENSION_ID, url: 'https://teleacces.example/login', origin: 'https://teleacces.example' }],
    ['another extension', { id: 'otherextension', url: 'chrome-extension://otherextension/popup.html', origin: 'chrome-extension://otherextension' }],
    ['a page claiming our id from another origin', { id: EXTENSION_ID, url: 'chrome-extension://otherextension/popup.html' }],
    ['a lying origin', { id: EXTENSION_ID, url: `${EXTENSION_ORIGIN}/x.html`, origin: 'https://evil.example' }],
    ['a look-alike prefix', { id: EXTENSION_ID, url: `${EXTENSION_ORIGIN}.evil.example/x.html` }],
    ['no URL', { id: EXTENSION_ID }],
    ['nothing', {}],
  ])('refuses %s', (_, sender) => {
    expect(isExtensionPage(sender, options)).toBe(false);
  });
});

describe('createRouter', () => {
  it('has a handler for every message of the map', () => {
    // The Handlers type forces it at compile time; this guards against casts.
    expect(Object.keys(createHandlers(harness().deps)).sort()).toEqual(Object.keys(REQUEST_READERS).sort());
  });

  it('refuses messages from a content script, with a code and no handler run', async () => {
    let ran = false;
    const handlers = { 'state.get': async () => ((ran = true), null) } as unknown as Handlers;
    const route = createRouter(handlers, options);
    const reply = await route(wireMessage('state.get', {}), { id: EXTENSION_ID, url: 'https://teleacces.example/login' });
    expect(reply).toEqual({ ok: false, error: { code: 'forbidden_sender', message: expect.any(String) } });
    expect(ran).toBe(false);
  });

  it('validates before anything else', async () => {
    const h = harness();
    expect(await h.send('account.unlock', { id: 'x', pin: 1234 } as never)).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    const route = createRouter({} as Handlers, options);
    expect(await route({ name: 'state.get' }, POPUP)).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
  });

  it('answers Jeton errors with their code and hides anything else', async () => {
    const seen: string[] = [];
    const handlers = {
      'state.get': async () => {
        throw new JetonError('vault_damaged', 'The vault is damaged.');
      },
      'vault.lock': async () => {
        throw new Error('secret detail 123456');
      },
    } as unknown as Handlers;
    const route = createRouter(handlers, { ...options, onUnexpected: (name) => seen.push(name) });
    expect(await route(wireMessage('state.get', {}), POPUP)).toEqual({ ok: false, error: { code: 'vault_damaged', message: 'The vault is damaged.' } });
    const hidden = await route(wireMessage('vault.lock', {}), POPUP);
    expect(hidden).toEqual({ ok: false, error: { code: 'internal_error', message: expect.any(String) } });
    expect(JSON.stringify(hidden)).not.toContain('123456');
    expect(seen).toEqual(['vault.lock']);
  });
});
