/**
 * The add screen: the CA app's three fields, or one pasted `otp://` link that
 * fills them. A mistyped code (Damm) or a bad link is caught here, before any
 * network call; the background checks again.
 */
import { useState } from 'preact/hooks';
import { normalizeActivationCode } from '../core/activation-code.ts';
import { parseActivationLink } from '../core/activation-link.ts';
import type { AddResult } from '../core/messages.ts';
import { BusyLine, ErrorLine, toUiError, type UiError } from './feedback.tsx';
import { portalOf } from './format.ts';
import type { Dict } from './i18n.ts';
import { send } from './send.ts';

interface Props {
  d: Dict;
  /** The organisation's server URL (policy), pre-filled; a pasted link still replaces it. */
  defaultServerUrl?: string | undefined;
  onDone: (result: AddResult) => void;
  onBack: () => void;
}

/** The add form; calls `onDone` with the background's answer (added, or PIN required). */
export function AddAccount({ d, defaultServerUrl, onDone, onBack }: Props) {
  const [link, setLink] = useState('');
  const [serverUrl, setServerUrl] = useState(defaultServerUrl ?? '');
  const [userId, setUserId] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  const onLink = (value: string) => {
    setLink(value);
    if (value.trim() === '') return setError(null);
    try {
      const a = parseActivationLink(value);
      setServerUrl(a.serverUrl);
      setUserId(a.userId);
      setCode(a.code);
      setError(null);
    } catch {
      // Typing is not finished yet; submit says what is wrong.
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    let fields = { serverUrl: serverUrl.trim(), userId: userId.trim(), code };
    try {
      if (link.trim() !== '') fields = parseActivationLink(link);
      normalizeActivationCode(fields.code);
    } catch (err) {
      setError(toUiError(err));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await send('account.add', fields));
    } catch (err) {
      setError(toUiError(err, portalOf(fields.serverUrl)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="screen add" onSubmit={submit} noValidate aria-busy={busy}>
      <p class="intro">{d.addIntro}</p>
      <div class="field">
        <label for="activation-link">{d.link}</label>
        <input
          id="activation-link"
          data-testid="activation-link"
          type="text"
          autocomplete="off"
          spellcheck={false}
          placeholder="otp://p?u=…&n=…&c=…"
          aria-describedby="activation-link-hint"
          value={link}
          onInput={(e) => onLink(e.currentTarget.value)}
        />
        <small id="activation-link-hint">{d.linkHint}</small>
      </div>
      <p class="or" aria-hidden="true">
        — {d.or} —
      </p>
      <div class="field">
        <label for="server-url">{d.serverUrl}</label>
        <input id="server-url" data-testid="server-url" type="url" autocomplete="url" spellcheck={false} value={serverUrl} onInput={(e) => setServerUrl(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="user-id">{d.userId}</label>
        <input id="user-id" data-testid="user-id" type="text" autocomplete="username" spellcheck={false} value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="activation-code">{d.activationCode}</label>
        <input
          id="activation-code"
          data-testid="activation-code"
          type="text"
          inputMode="numeric"
          autocomplete="one-time-code"
          aria-describedby="activation-code-hint"
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
        <small id="activation-code-hint">{d.activationCodeHint}</small>
      </div>
      <ErrorLine error={error} d={d} />
      <BusyLine busy={busy} d={d} />
      <div class="actions">
        <button type="button" class="secondary" data-testid="back" onClick={onBack}>
          {d.back}
        </button>
        <button type="submit" class="primary" data-testid="submit" disabled={busy}>
          {d.activate}
        </button>
      </div>
    </form>
  );
}
