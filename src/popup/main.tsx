/** The popup's entry: renders the app. */
import { render } from 'preact';
import { App } from './app.tsx';

render(<App />, document.getElementById('app')!);
