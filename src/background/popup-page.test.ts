// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PopupState } from '../core/messages.ts';
import { takeFirstState } from '../popup/first-frame.ts';
import { groupDigits } from '../popup/format.ts';
import { prerender } from '../popup/prerender.tsx';
import { EXTENSION_ORIGIN, harness } from '../testing/background/harness.ts';
import { popupPage, type PopupPageOptions } from './popup-page.ts';

const PAGE = `${EXTENSION_ORIGIN}/src/popup/index.html`;
const PACKAGED = '<!doctype html><html lang="fr"><head><title>Jeton</title><script type="module" src="/assets/popup.js"></script></head><body><div id="app"></div></body></html>';
const CSP = "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/** The popup's state with the demo token, as the background answers it. */
async function demoState(): Promise<PopupState> {
  const h = harness();
  await h.ok('demo.set', { enabled: true });
  return h.ok('state.get', {});
}

/** The worker's answerer over a packaged page that counts its reads. */
function served(options: Partial<PopupPageOptions> & Pick<PopupPageOptions, 'state'>) {
  const reads: string[] = [];
  const answer = popupPage({
    pageUrl: PAGE,
    csp: CSP,
    render: prerender,
    fetch: async (url) => {
      reads.push(url);
      return new Response(PACKAGED);
    },
    ...options,
  });
  return { answer, reads };
}

/** A request as a service worker's fetch event carries it (Request's constructor refuses the `navigate` mode). */
const request = (url = PAGE, mode: RequestMode = 'navigate', method = 'GET'): Request => ({ url, mode, method }) as Request;

const parse = (html: string): Document => new DOMParser().parseFromString(html, 'text/html');

afterEach(() => {
  vi.useRealTimers();
});

describe('the popup page served with its first frame', () => {
  it('holds the codes, and the state they were drawn from for the script to take over', async () => {
    const state = await demoState();
    const { answer } = served({ state: async () => state });
    const response = await answer(request())!;
    expect(response.headers.get('content-security-policy')).toBe(CSP);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');

    const doc = parse(await response.text());
    const code = state.accounts[0]!.code!.value;
    expect(doc.querySelector('#app [data-testid="code"]')?.textContent).toBe(groupDigits(code));
    // The packaged page around it is unchanged: its script still loads.
    expect(doc.querySelector('script[type="module"]')?.getAttribute('src')).toBe('/assets/popup.js');
    expect(takeFirstState(doc)).toEqual(state);
    // Taken out: nothing else reads it, and a second take finds nothing.
    expect(takeFirstState(doc)).toBeUndefined();
  });

  it('speaks the language the user chose, and says so in the page’s lang', async () => {
    const state = await demoState();
    const { answer } = served({ state: async () => ({ ...state, settings: { ...state.settings, language: 'en' } }) });
    const doc = parse(await (await answer(request()))!.text());
    expect(doc.documentElement.getAttribute('lang')).toBe('en');
    expect(doc.querySelector('[data-testid="add-account"]')?.textContent).toBe('Add a token');
    const french = parse(await (await served({ state: async () => ({ ...state, settings: { ...state.settings, language: 'fr' } }) }).answer(request()))!.text());
    expect(french.documentElement.getAttribute('lang')).toBe('fr');
    expect(french.querySelector('[data-testid="add-account"]')?.textContent).not.toBe('Add a token');
  });

  it('keeps what the state holds as text: no markup of a token’s name reaches the page', async () => {
    const state = await demoState();
    const hostile = '</script><script>globalThis.ran = 1</script><img src=x onerror="globalThis.ran = 2">';
    state.accounts[0]!.issuer = hostile;
    const { answer } = served({ state: async () => state });
    const html = await (await answer(request()))!.text();
    const doc = parse(html);
    expect(doc.querySelectorAll('script')).toHaveLength(2);
    expect(doc.querySelectorAll('img[src="x"]')).toHaveLength(0);
    expect(takeFirstState(doc)?.accounts[0]?.issuer).toBe(hostile);
  });

  it('answers only the navigation to the popup page itself', async () => {
    const state = vi.fn(demoState);
    const { answer } = served({ state });
    expect(answer(request(`${PAGE}?renew=abc`))).toBeNull();
    expect(answer(request(`${EXTENSION_ORIGIN}/assets/popup.js`, 'cors'))).toBeNull();
    expect(answer(request(PAGE, 'cors'))).toBeNull();
    expect(answer(request(PAGE, 'navigate', 'POST'))).toBeNull();
    expect(state).not.toHaveBeenCalled();
  });

  it('serves the packaged page as it is when the state fails', async () => {
    const { answer } = served({ state: () => Promise.reject(new Error('vault_damaged')) });
    expect(await (await answer(request()))!.text()).toBe(PACKAGED);
  });

  it('serves the packaged page as it is when the state is late', async () => {
    vi.useFakeTimers();
    const { answer } = served({ state: () => new Promise(() => undefined), deadlineMs: 250 });
    const pending = answer(request())!;
    await vi.advanceTimersByTimeAsync(250);
    expect(await (await pending).text()).toBe(PACKAGED);
  });

  it('reads the packaged page once, and again after a failed read', async () => {
    const state = await demoState();
    let failNext = true;
    const reads: string[] = [];
    const answer = popupPage({
      pageUrl: PAGE,
      csp: CSP,
      state: async () => state,
      render: prerender,
      fetch: async (url) => {
        reads.push(url);
        if (failNext) {
          failNext = false;
          return new Response('', { status: 404 });
        }
        return new Response(PACKAGED);
      },
    });
    // The failed read: the browser's own fetch of the page is the answer.
    expect(await (await answer(request()))!.text()).toBe(PACKAGED);
    expect(parse(await (await answer(request()))!.text()).querySelector('[data-testid="code"]')).not.toBeNull();
    await answer(request());
    expect(reads).toEqual([PAGE, PAGE, PAGE]);
  });
});
