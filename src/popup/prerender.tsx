/**
 * The popup's first frame as HTML, for the service worker to write into the
 * page (background/popup-page.ts): the popup's own App with the state it is
 * given, then that state for the popup's script to hydrate from (first-frame.ts).
 */
import { renderToString } from 'preact-render-to-string';
import type { PopupState } from '../core/messages.ts';
import { App } from './app.tsx';
import { FIRST_STATE_ID } from './first-frame.ts';
import { resolveLanguage, type Lang } from './i18n.ts';

/**
 * `app`: what goes inside `<div id="app">`, the rendered App then its state as
 * JSON (`<` escaped, so no `</script>` can close it early); `lang`: the
 * language it speaks, for the page's `lang`.
 */
export function prerender(state: PopupState): { app: string; lang: Lang } {
  const json = JSON.stringify(state).replace(/</g, '\\u003c');
  return {
    app: `${renderToString(<App initial={state} />)}<script type="application/json" id="${FIRST_STATE_ID}">${json}</script>`,
    lang: resolveLanguage(state.settings.language, navigator.language),
  };
}
