/**
 * The popup's first frame as HTML, for the service worker to write into the
 * page (background/popup-page.ts): the popup's own App with the state it is
 * given, then that state for the popup's script to hydrate from (first-frame.ts).
 */
import { renderToString } from 'preact-render-to-string';
import type { PopupState } from '../core/messages.ts';
import { App } from './app.tsx';
import { FIRST_STATE_ID } from './first-frame.ts';

/** What goes inside `<div id="app">`: the rendered App, then its state as JSON (`<` escaped, so no `</script>` can close it early). */
export function prerender(state: PopupState): string {
  const json = JSON.stringify(state).replace(/</g, '\\u003c');
  return `${renderToString(<App initial={state} />)}<script type="application/json" id="${FIRST_STATE_ID}">${json}</script>`;
}
