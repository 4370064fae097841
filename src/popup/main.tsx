/** The popup's entry: asks for the state at once (before the first render, to show codes sooner) and renders the app. */
import { render } from 'preact';
import { App } from './app.tsx';
import { send } from './send.ts';

const first = send('state.get', {});
// Handled by App; this only keeps an early rejection from being reported as unhandled.
first.catch(() => undefined);
render(<App first={first} />, document.getElementById('app')!);
