// @vitest-environment happy-dom
import { render, type ComponentChild } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dict } from './i18n.ts';
import { EXPLAIN_EVERY_MS, Loading } from './loading.tsx';

/** What the background answers to `state.waiting`, set by each test. */
let policyWaits = false;
const asked: string[] = [];
vi.mock('./send.ts', () => ({
  send: async (name: string) => {
    asked.push(name);
    return { policy: policyWaits };
  },
}));

describe('the loading line', () => {
  let root: HTMLElement;
  beforeEach(() => {
    vi.useFakeTimers();
    asked.length = 0;
    root = document.createElement('div');
    document.body.append(root);
  });
  afterEach(() => {
    render(null, root);
    root.remove();
    vi.useRealTimers();
  });

  /** Renders as the popup does, effects run at once (the popup's run after its first paint). */
  const show = (node: ComponentChild) => act(() => render(node, root));
  /** Lets `ms` pass, and the answers it brought be rendered. */
  const pass = (ms: number) => act(async () => void (await vi.advanceTimersByTimeAsync(ms)));

  it('says, after a while, that the state waits for the organisation’s rules from the browser, and what to do if it lasts', async () => {
    policyWaits = true;
    const d = dict('fr');
    show(<Loading d={d} />);
    expect(root.textContent).toBe(d.loading);
    await pass(EXPLAIN_EVERY_MS - 1);
    expect(asked).toEqual([]);
    await pass(1);
    expect(asked).toEqual(['state.waiting']);
    expect(root.querySelector('[data-testid="waiting-policy"]')?.textContent).toBe(d.waitingPolicy);
    expect(d.waitingPolicy).toMatch(/fermez le navigateur et rouvrez-le\.$/);
    // A live region: screen readers hear the explanation when it appears.
    expect(root.querySelector('[role="status"]')?.textContent).toBe(d.loading + d.waitingPolicy);
  });

  it('says nothing more when the state waits for something else', async () => {
    policyWaits = false;
    show(<Loading d={dict('en')} />);
    await pass(3 * EXPLAIN_EVERY_MS);
    expect(asked).toEqual(['state.waiting', 'state.waiting', 'state.waiting']);
    expect(root.textContent).toBe('Loading…');
  });

  it('stops asking once it is gone (the state came)', async () => {
    policyWaits = true;
    show(<Loading d={dict('en')} />);
    show(null);
    await pass(3 * EXPLAIN_EVERY_MS);
    expect(asked).toEqual([]);
  });
});
