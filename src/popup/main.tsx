/**
 * The popup's entry. When the service worker served the page with its first
 * frame in it (first-frame.ts), the codes are already on screen and the
 * script takes that frame over (hydrate), with the state it was drawn from:
 * nothing to ask. Otherwise it asks for the state at once and renders when it
 * arrives, so the first frame already shows the codes (one render, no
 * "loading" frame), and a slow background gets the loading line after 150 ms.
 */
import { hydrate, render } from 'preact';
import type { PopupState } from '../core/messages.ts';
import { App } from './app.tsx';
import { takeFirstState } from './first-frame.ts';
import { send } from './send.ts';

// For the benchmark: when the popup's script started (the modules are evaluated by then).
performance.mark('jeton:script');
const app = document.getElementById('app')!;
const served = takeFirstState(document);
if (served) {
  hydrate(<App initial={served} />, app);
} else {
  const first = send('state.get', {});
  let shown = false;
  const show = (initial?: PopupState) => {
    if (shown) return;
    shown = true;
    render(<App first={first} initial={initial} />, app);
  };
  first.then(
    (state) => {
      // For the benchmark: when the background's answer arrived.
      performance.mark('jeton:state');
      show(state);
    },
    () => show(),
  );
  setTimeout(() => show(), 150);
}
