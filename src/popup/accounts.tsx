/** The main screen's list: one card per token with its code, countdown, copy button and expiry; a PIN field when locked. */
import { useEffect, useState } from 'preact/hooks';
import type { AccountView } from '../core/messages.ts';
import { daysLeft, formatDate, groupDigits, secondsLeft } from './format.ts';
import { AllowFill } from './allow-fill.tsx';
import type { Dict, Lang } from './i18n.ts';

/** The current time, refreshed every second on the second (for countdowns). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      setNow(Date.now());
      timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    return () => clearTimeout(timer);
  }, []);
  return now;
}

interface ListProps {
  accounts: AccountView[];
  d: Dict;
  lang: Lang;
  onUnlock: (id: string, pin: string) => Promise<void>;
  onCopyError: () => void;
}

/** The tokens, one card each, with a shared one-second clock for the countdowns. */
export function AccountList({ accounts, d, lang, onUnlock, onCopyError }: ListProps) {
  const now = useNow();
  if (accounts.length === 0) {
    return (
      <p class="empty" data-testid="empty">
        {d.empty}
      </p>
    );
  }
  return (
    <ul class="accounts" data-testid="accounts">
      {accounts.map((a) => (
        <AccountCard key={a.id} account={a} now={now} d={d} lang={lang} onUnlock={onUnlock} onCopyError={onCopyError} />
      ))}
    </ul>
  );
}

interface CardProps {
  account: AccountView;
  now: number;
  d: Dict;
  lang: Lang;
  onUnlock: (id: string, pin: string) => Promise<void>;
  onCopyError: () => void;
}

function AccountCard({ account: a, now, d, lang, onUnlock, onCopyError }: CardProps) {
  const [copied, setCopied] = useState(false);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const days = daysLeft(a.expiresAt, now);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    if (!a.code) return;
    try {
      await navigator.clipboard.writeText(a.code.value);
      setCopied(true);
    } catch {
      onCopyError();
    }
  };

  const unlock = async (e: Event) => {
    e.preventDefault();
    if (!pin || busy) return;
    setBusy(true);
    try {
      await onUnlock(a.id, pin);
    } finally {
      setPin('');
      setBusy(false);
    }
  };

  const seconds = a.code ? secondsLeft(a.code.stepEndsAt, now) : 0;
  return (
    <li class={`account${a.demo ? ' is-demo' : ''}`} data-testid="account" data-account-id={a.id} data-locked={String(a.locked)} data-demo={String(a.demo)}>
      <div class="account-head">
        <span class="issuer" data-testid="issuer">
          {a.issuer}
        </span>
        {a.demo ? (
          <span class="badge" data-testid="demo-badge" title={d.demoLabel}>
            {d.demo}
          </span>
        ) : null}
        <span class="user" data-testid="user">
          {a.userId}
        </span>
      </div>
      {a.code ? (
        <div class="code-row">
          <output class="code" data-testid="code" aria-label={d.code}>
            {groupDigits(a.code.value)}
          </output>
          <span class="countdown" role="timer" data-testid="countdown" data-ends-at={a.code.stepEndsAt} aria-label={d.countdownLabel(seconds)}>
            <span class="bar" aria-hidden="true">
              <span style={{ width: `${Math.min(100, (seconds / a.code.period) * 100)}%` }} />
            </span>
            {d.seconds(seconds)}
          </span>
          <button type="button" class="copy" data-testid="copy" aria-label={copied ? d.copied : d.copyLabel(a.userId)} onClick={copy}>
            {copied ? d.copied : d.copy}
          </button>
        </div>
      ) : (
        <form class="unlock-row" onSubmit={unlock}>
          <label for={`pin-${a.id}`}>{d.pinFor(a.userId)}</label>
          <input
            id={`pin-${a.id}`}
            data-testid="pin"
            type="password"
            inputMode="numeric"
            autocomplete="off"
            value={pin}
            onInput={(e) => setPin(e.currentTarget.value)}
            required
          />
          <button type="submit" data-testid="unlock" disabled={busy}>
            {d.unlock}
          </button>
        </form>
      )}
      <p class={`expiry${days < 31 ? ' soon' : ''}`} data-testid="expiry" data-expires-at={a.expiresAt}>
        {d.expires(formatDate(a.expiresAt, lang), days)}
      </p>
      {a.loginOrigins && a.loginOrigins.length > 0 ? <AllowFill origins={a.loginOrigins} d={d} /> : null}
      {a.state === 'pending' ? (
        <p class="pending" data-testid="pending">
          {d.pending}
        </p>
      ) : null}
    </li>
  );
}
