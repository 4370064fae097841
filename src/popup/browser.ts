/**
 * The extension API the popup calls, without webextension-polyfill in its
 * script: Firefox's `browser` and Chrome's `chrome` (MV3, Chrome 120 and
 * later) both answer these calls with promises. The polyfill's wrapping would
 * cost the popup a tenth of its script, read before the first code.
 */
import type { Browser } from 'webextension-polyfill';

/** The part of the API the popup uses. */
type PopupAPI = Pick<Browser, 'runtime' | 'permissions'>;

/** This browser's extension API; throws outside an extension page. */
export function extensionAPI(): PopupAPI {
  const scope = globalThis as { browser?: PopupAPI; chrome?: PopupAPI };
  const api = scope.browser ?? scope.chrome;
  if (!api?.runtime) throw new Error('Not in an extension page: no extension API.');
  return api;
}
