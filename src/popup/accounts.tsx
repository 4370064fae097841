/** The main screen's list: one card per token with its code, countdown, copy button and expiry; a PIN field when locked. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import type { AccountView } from '../core/messages.ts';
import { formatDate, groupDigits, secondsLeft } from './format.ts';
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
  onRenew: (id: string, pin?: string) => Promise<void>;
  onCopyError: () => void;
  /** The token whose renewal to open (the popup opened from an expiry notification). */
  renewId?: string | null;
  /** Told once that renewal was opened, so it is never opened by itself again. */
  onRenewOpened?: () => void;
}

/** The tokens, one card each, with a shared one-second clock for the countdowns. */
export function AccountList({ accounts, d, lang, onUnlock, onRenew, onCopyError, renewId, onRenewOpened }: ListProps) {
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
        <AccountCard key={a.id} account={a} now={now} d={d} lang={lang} onUnlock={onUnlock} onRenew={onRenew} onCopyError={onCopyError} openRenewal={a.id === renewId} onRenewOpened={onRenewOpened} />
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
  onRenew: (id: string, pin?: string) => Promise<void>;
  onCopyError: () => void;
  openRenewal: boolean;
  onRenewOpened?: (() => void) | undefined;
}

/** Revoked, superseded, expired: what happened and what to do, instead of a code. */
interface PinFormProps {
  id: string;
  label: string;
  /** The field's and the button's `data-testid`. */
  testIds: [string, string];
  submit: string;
  pin: string;
  setPin: (pin: string) => void;
  busy: boolean;
  onSubmit: (e: Event) => void;
  inputRef?: RefObject<HTMLInputElement | null>;
}

/** A PIN typed for one token (to unlock it, or to renew it): never kept by the browser's autofill. */
function PinForm({ id, label, testIds, submit, pin, setPin, busy, onSubmit, inputRef }: PinFormProps) {
  return (
    <form class="unlock-row" onSubmit={onSubmit}>
      <label for={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        data-testid={testIds[0]}
        type="password"
        inputMode="numeric"
        autocomplete="off"
        value={pin}
        onInput={(e) => setPin(e.currentTarget.value)}
        required
      />
      <button type="submit" data-testid={testIds[1]} disabled={busy}>
        {submit}
      </button>
    </form>
  );
}

/** The token's portal, where what the extension cannot do is done. */
function PortalLink({ url }: { url: string }) {
  return (
    <a data-testid="portal-link" href={url} target="_blank" rel="noopener noreferrer">
      {url}
    </a>
  );
}

function DeadNotice({ a, d }: { a: AccountView; d: Dict }) {
  const text = a.state === 'revoked' ? d.stateRevoked : a.state === 'expired' ? d.stateExpired : d.stateSuperseded;
  return (
    <p class="dead" data-testid="token-state" role="status">
      {text}
      {a.state !== 'superseded' && a.portalUrl ? (
        <>
          {' '}
          <PortalLink url={a.portalUrl} />
        </>
      ) : null}
    </p>
  );
}

/** « Renouveler »: one click; a PIN token asks for its PIN first (its new seed is sealed under it). */
function RenewControl({ a, d, onRenew, open, onOpened }: { a: AccountView; d: Dict; onRenew: CardProps['onRenew']; open: boolean; onOpened?: (() => void) | undefined }) {
  const [asking, setAsking] = useState(false);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const started = useRef(false);
  const pinField = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  const run = async (withPin?: string) => {
    setBusy(true);
    try {
      await onRenew(a.id, withPin);
    } finally {
      setBusy(false);
      setPin('');
      setAsking(false);
    }
  };
  const click = () => {
    if (busy) return;
    if (a.pin) {
      setAsking(true);
      setTimeout(() => pinField.current?.focus(), 0);
    } else void run();
  };
  // Opened from the notification's « Renouveler »: that click was the one click.
  useEffect(() => {
    if (!open || started.current) return;
    started.current = true;
    onOpened?.();
    button.current?.scrollIntoView({ block: 'center' });
    button.current?.focus();
    click();
    // Once, when opened for this token (started guards a second run).
  }, [open]);

  return (
    <div class="renew-row">
      {asking ? (
        <PinForm
          id={`renew-pin-${a.id}`}
          label={d.renewPin(a.userId)}
          testIds={['renew-pin', 'renew-submit']}
          submit={d.renew}
          pin={pin}
          setPin={setPin}
          busy={busy}
          inputRef={pinField}
          onSubmit={(e) => {
            e.preventDefault();
            if (pin && !busy) void run(pin);
          }}
        />
      ) : (
        <button type="button" ref={button} class="primary" data-testid="renew" aria-label={d.renewLabel(a.userId)} disabled={busy} onClick={click}>
          {d.renew}
        </button>
      )}
      {busy ? (
        <span class="busy" data-testid="renew-busy" role="status">
          {d.renewBusy}
        </span>
      ) : null}
    </div>
  );
}

function AccountCard({ account: a, now, d, lang, onUnlock, onRenew, onCopyError, openRenewal, onRenewOpened }: CardProps) {
  const [copied, setCopied] = useState(false);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const days = a.daysLeft;
  const dead = a.state === 'revoked' || a.state === 'superseded' || a.state === 'expired';

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
    <li
      class={`account${a.demo ? ' is-demo' : ''}${dead ? ' is-dead' : ''}`}
      data-testid="account"
      data-account-id={a.id}
      data-state={a.state}
      data-locked={String(a.locked)}
      data-demo={String(a.demo)}
    >
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
      {dead ? (
        <DeadNotice a={a} d={d} />
      ) : a.code ? (
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
        <PinForm id={`pin-${a.id}`} label={d.pinFor(a.userId)} testIds={['pin', 'unlock']} submit={d.unlock} pin={pin} setPin={setPin} busy={busy} onSubmit={unlock} />
      )}
      <p class={`expiry${a.warningDays !== undefined || days <= 0 ? ' soon' : ''}`} data-testid="expiry" data-expires-at={a.expiresAt} data-days-left={days}>
        {d.expires(formatDate(a.expiresAt, lang), days)}
      </p>
      {a.warningDays !== undefined && !dead ? (
        <p class="warning" data-testid="expiry-warning" role="status">
          {d.warning(days)}
          {a.renewal === 'not_open' && a.renewOpensAt ? (
            <>
              {' '}
              <span data-testid="renew-opens" data-opens-at={a.renewOpensAt}>
                {d.renewOpens(formatDate(a.renewOpensAt, lang))}
              </span>
            </>
          ) : null}
          {a.renewal === 'portal' && a.portalUrl ? (
            <>
              {' '}
              {d.renewPortal} <PortalLink url={a.portalUrl} />
            </>
          ) : null}
        </p>
      ) : null}
      {a.state === 'renewing' ? (
        <p class="pending" data-testid="renewing">
          {d.renewing}
        </p>
      ) : null}
      {a.renewal === 'open' || a.renewal === 'retry' ? <RenewControl a={a} d={d} onRenew={onRenew} open={openRenewal} onOpened={onRenewOpened} /> : null}
      {a.loginOrigins && a.loginOrigins.length > 0 && !dead ? <AllowFill origins={a.loginOrigins} d={d} /> : null}
      {a.state === 'pending' ? (
        <p class="pending" data-testid="pending">
          {d.pending}
        </p>
      ) : null}
    </li>
  );
}
