/**
 * The popup's page with its first frame in it (Chrome and Edge, whose
 * background is a service worker and so sees its own pages' requests): the
 * worker answers the navigation to the popup with the packaged page, the
 * accounts already rendered into it. The codes are on screen as soon as the
 * page is parsed, as in a static page, instead of after the script has loaded
 * and asked for them; the script then takes the page over with the state the
 * page carries, and asks only for what comes after (the servers' word, the
 * next code). The page carries codes, never seeds, like every answer to
 * the popup. Anything amiss (no state in time, an error) and the browser
 * serves the packaged page as it is. @see docs/vault.md "The popup's page"
 */
import type { PopupState } from '../core/messages.ts';

export interface PopupPageOptions {
  /** The popup page's URL: the only request answered (a query, as `?renew=`, gets the packaged page). */
  pageUrl: string;
  /** The extension pages' content security policy (the manifest's), sent with the page the worker makes. */
  csp: string;
  /** The popup's state (the `state.get` handler). */
  state(): Promise<PopupState>;
  /** What goes inside the page's `<div id="app">` for that state, and the language it speaks (popup/prerender.tsx). */
  render(state: PopupState): { app: string; lang: string };
  /** Fetches a packaged file of the extension. */
  fetch(url: string): Promise<Response>;
  /** How long the state may take before the packaged page is served instead (ms). */
  deadlineMs?: number;
}

const APP = '<div id="app"></div>';

/** The packaged page with the rendered popup in it, in the language it speaks. */
const withFirstFrame = (page: string, { app, lang }: { app: string; lang: string }): string =>
  page.replace(APP, () => `<div id="app">${app}</div>`).replace(/<html lang="[a-z-]*">/, `<html lang="${lang.replace(/[^a-z-]/gi, '')}">`);

/** An answer for `request`, or null when the browser should serve it itself. */
export function popupPage(options: PopupPageOptions): (request: Request) => Promise<Response> | null {
  const { pageUrl, deadlineMs = 250 } = options;
  let template: Promise<string> | null = null;
  const packaged = (): Promise<string> => {
    template ??= options.fetch(pageUrl).then((res) => {
      if (!res.ok) throw new Error(`popup page: ${res.status}`);
      return res.text();
    });
    // A failed read is tried again at the next opening.
    return template.catch((err: unknown) => {
      template = null;
      throw err;
    });
  };

  async function answer(): Promise<Response> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), deadlineMs)));
    const [page, state] = await Promise.all([packaged(), Promise.race([options.state().catch(() => null), late]).finally(() => clearTimeout(timer))]);
    // No state (a vault that cannot be opened, a slow start…): the packaged page, whose script says why.
    const html = state && page.includes(APP) ? withFirstFrame(page, options.render(state)) : page;
    return new Response(html, {
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': options.csp },
    });
  }

  return (request) => {
    if (request.method !== 'GET' || request.mode !== 'navigate' || request.url !== pageUrl) return null;
    return answer().catch(() => options.fetch(request.url));
  };
}
