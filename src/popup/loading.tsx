/**
 * The line the popup shows while its state has not come. The state can wait
 * on the browser: on the first start after installing, Chromium gives the
 * organisation's rules (its managed storage) only once its policy service is
 * up, seconds after it starts, and the background decides nothing without
 * them. When the wait is that, the popup says so after a while, and what to
 * do if it lasts.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Dict } from './i18n.ts';
import { send } from './send.ts';

/** The popup asks what its state waits for every this many ms, the first time this long after it opened. */
export const EXPLAIN_EVERY_MS = 2_000;

export function Loading({ d }: { d: Dict }) {
  const [policy, setPolicy] = useState(false);
  useEffect(() => {
    const timer = setInterval(() => {
      send('state.waiting', {}).then(
        (waiting) => setPolicy(waiting.policy),
        () => undefined,
      );
    }, EXPLAIN_EVERY_MS);
    return () => clearInterval(timer);
  }, []);
  return (
    <div role="status">
      <p class="loading">{d.loading}</p>
      {policy ? (
        <p class="loading" data-testid="waiting-policy">
          {d.waitingPolicy}
        </p>
      ) : null}
    </div>
  );
}
