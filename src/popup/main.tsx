/**
 * The popup's entry. It asks for the state at once and renders when it
 * arrives, so the first frame already shows the codes (one render, no
 * "loading" frame); a slow background gets the loading line after 150 ms.
 */
import { render } from 'preact';
import type { PopupState } from '../core/messages.ts';
import { App } from './app.tsx';
import { send } from './send.ts';

// For the benchmark: when the popup's script started (the modules are evaluated by then).
performance.mark('jeton:script');
const first = send('state.get', {});
let shown = false;
const show = (initial?: PopupState) => {
  if (shown) return;
  shown = true;
  render(<App first={first} initial={initial} />, document.getElementById('app')!);
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
