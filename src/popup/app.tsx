/**
 * The popup: asks the background for the state (codes, never seeds), shows
 * the screen that fits, and asks again when a code's time step ends.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { skewWorthSaying } from '../core/expiry.ts';
import type { AddResult, PopupState, Settings } from '../core/messages.ts';
import { AccountList } from './accounts.tsx';
import { AddAccount } from './add-account.tsx';
import { ErrorLine, NoticeLine, toUiError, type UiError } from './feedback.tsx';
import { dict, resolveLanguage, type Dict } from './i18n.ts';
import { Loading } from './loading.tsx';
import { PinSetup } from './pin-setup.tsx';
import { send } from './send.ts';
import { SettingsScreen } from './settings.tsx';
import { VaultReset } from './vault-reset.tsx';

type Screen = 'main' | 'add' | 'settings';

/** Vault errors the user can only get out of by starting over (the server keeps the tokens). */
const RESETTABLE = new Set(['vault_key_missing', 'vault_damaged']);

/** Milliseconds until the earliest code changes, or null when no code is shown. */
const nextRefresh = (state: PopupState): number | null => {
  const ends = state.accounts.flatMap((a) => (a.code ? [a.code.stepEndsAt] : []));
  return ends.length === 0 ? null : Math.max(0, Math.min(...ends) - Date.now());
};

/** `first`: the state request already in flight when the popup script started; `initial`: the state of the first render (that request's answer, or the state the page was served with), when there is one. */
export function App({ first, initial }: { first?: Promise<PopupState>; initial?: PopupState | undefined }) {
  const [state, setState] = useState<PopupState | null>(initial ?? null);
  const [screen, setScreen] = useState<Screen>('main');
  const [error, setError] = useState<UiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const lang = resolveLanguage(state?.settings.language ?? 'browser', navigator.language);
  const d = dict(lang);

  const refresh = useCallback(async () => {
    try {
      setState(await send('state.get', {}));
    } catch (err) {
      setError(toUiError(err));
    }
  }, []);

  // Once per opening, after the first answer: the servers' word on each token (§5; the background asks each at most once a minute).
  const asked = useRef(false);
  useEffect(() => {
    if (!state || asked.current) return;
    asked.current = true;
    send('status.refresh', {}).then(setState, () => undefined);
  }, [state]);

  // Layout effect: runs right after the first render, not a frame later.
  useLayoutEffect(() => {
    if (initial) return;
    if (!first) return void refresh();
    first.then(setState, (err: unknown) => setError(toUiError(err)));
  }, [first, initial, refresh]);

  // A new code at each step change: ask again just after the earliest one ends.
  useEffect(() => {
    if (!state) return;
    const delay = nextRefresh(state);
    if (delay === null) return;
    const timer = setTimeout(() => void refresh(), delay + 50);
    return () => clearTimeout(timer);
  }, [state, refresh]);

  // For the benchmark: when the first code is on screen (performance.getEntriesByName('jeton:first-code')).
  useEffect(() => {
    if (state?.accounts.some((a) => a.code) && performance.getEntriesByName('jeton:first-code').length === 0) performance.mark('jeton:first-code');
  }, [state]);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = d.appTitle;
  }, [lang, d]);

  const go = (next: Screen) => {
    setError(null);
    setNotice(null);
    setScreen(next);
    // Tell screen readers where they are: focus the new screen's heading.
    setTimeout(() => heading.current?.focus(), 0);
  };

  const added = async (result: AddResult) => {
    await refresh();
    go('main');
    if (result.kind === 'added') setNotice(result.confirmed ? d.added : d.addedUnconfirmed);
  };

  const unlock = async (id: string, pin: string) => {
    setError(null);
    setNotice(null);
    try {
      const result = await send('account.unlock', { id, pin });
      if (result.pinCheck === 'unchecked') setNotice(result.reason === 'server_unreachable' ? d.pinUncheckedUnreachable : d.pinUnchecked);
    } catch (err) {
      setError(toUiError(err));
    }
    await refresh();
  };

  const renew = async (id: string, pin?: string) => {
    setError(null);
    setNotice(null);
    try {
      const result = await send('account.renew', pin === undefined ? { id } : { id, pin });
      setNotice(result.outcome === 'renewed' ? d.renewed : d.renewPending);
    } catch (err) {
      setError(toUiError(err, state?.accounts.find((a) => a.id === id)?.portalUrl ?? null));
    }
    await refresh();
  };

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(toUiError(err));
    }
    await refresh();
  };

  const setup = state?.pendingSetup ?? null;
  const anyUnlocked = state?.accounts.some((a) => a.pin && !a.locked) ?? false;
  const title = setup ? d.pinTitle : screen === 'add' ? d.addTitle : screen === 'settings' ? d.settings : d.tokens;

  return (
    <div class="app">
      <header class="top">
        <span class="brand" aria-hidden="true">
          <img src="/icons/icon-32.png" width={20} height={20} alt="" />
        </span>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {!setup && screen === 'main' ? (
          <nav class="tools" aria-label={d.appTitle}>
            {anyUnlocked ? (
              <button type="button" class="secondary" data-testid="lock" aria-label={d.lockLabel} onClick={() => void act(() => send('vault.lock', {}))}>
                {d.lock}
              </button>
            ) : null}
            <button type="button" class="secondary" data-testid="settings" onClick={() => go('settings')}>
              {d.settings}
            </button>
          </nav>
        ) : null}
      </header>
      <main>
        {state === null ? (
          <>
            <ErrorLine error={error} d={d} />
            {error ? null : <Loading d={d} />}
            {error && RESETTABLE.has(error.code) ? <VaultReset d={d} onDone={() => void act(() => Promise.resolve())} onError={setError} /> : null}
          </>
        ) : setup ? (
          <PinSetup d={d} setup={setup} onDone={(r) => void added(r)} onCancelled={() => void refresh().then(() => go('main'))} />
        ) : screen === 'add' ? (
          <AddAccount d={d} defaultServerUrl={state.policy.defaultServerUrl} onDone={(r) => void added(r)} onBack={() => go('main')} />
        ) : screen === 'settings' ? (
          <>
            <ErrorLine error={error} d={d} />
            <SettingsScreen
              d={d}
              settings={state.settings}
              demo={state.demo}
              policy={state.policy}
              accounts={state.accounts}
              onSettings={(change: Partial<Settings>) => void act(() => send('settings.set', change))}
              onDemo={(enabled) => void act(() => send('demo.set', { enabled }))}
              onRemove={(id) => act(() => send('account.remove', { id }))}
              onImported={() => void refresh()}
            />
            <div class="actions">
              <button type="button" class="secondary" data-testid="back" onClick={() => go('main')}>
                {d.back}
              </button>
            </div>
          </>
        ) : (
          <MainScreen
            d={d}
            lang={lang}
            state={state}
            error={error}
            notice={notice}
            onUnlock={unlock}
            onRenew={renew}
            onAdd={() => go('add')}
            onCopyError={() => setError({ code: 'clipboard' })}
          />
        )}
      </main>
    </div>
  );
}

interface MainProps {
  d: Dict;
  lang: ReturnType<typeof resolveLanguage>;
  state: PopupState;
  error: UiError | null;
  notice: string | null;
  onUnlock: (id: string, pin: string) => Promise<void>;
  onRenew: (id: string, pin?: string) => Promise<void>;
  onAdd: () => void;
  onCopyError: () => void;
}

/** The token to renew when the popup was opened from an expiry notification (`?renew=<id>`). */
const renewFromNotification = (): string | null => new URLSearchParams(globalThis.location?.search ?? '').get('renew');

function MainScreen({ d, lang, state, error, notice, onUnlock, onRenew, onAdd, onCopyError }: MainProps) {
  // Cleared once started: after a renewal the new token may be renewable at once again, and must not renew by itself.
  const [renewId, setRenewId] = useState(renewFromNotification);
  return (
    <div class="screen main">
      <ErrorLine error={error} d={d} />
      <NoticeLine notice={notice} />
      {skewWorthSaying(state.clockOffsetMs) ? (
        <p class="notice" data-testid="clock-skew" role="status">
          {d.clockSkew(Math.round(Math.abs(state.clockOffsetMs) / 1000))}
        </p>
      ) : null}
      <AccountList accounts={state.accounts} d={d} lang={lang} onUnlock={onUnlock} onRenew={onRenew} onCopyError={onCopyError} renewId={renewId} onRenewOpened={() => setRenewId(null)} />
      <div class="actions">
        <button type="button" class="primary" data-testid="add-account" onClick={onAdd}>
          {d.add}
        </button>
      </div>
    </div>
  );
}
