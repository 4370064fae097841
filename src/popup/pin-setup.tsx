/**
 * The PIN choice, after provisioning when the profile requires one. The token
 * waits in the background's session meanwhile, so this screen comes back if
 * the popup closes first.
 */
import { useState } from 'preact/hooks';
import type { AddResult, PendingSetupView } from '../core/messages.ts';
import { BusyLine, Confirm, ErrorLine, toUiError, type UiError } from './feedback.tsx';
import type { Dict } from './i18n.ts';
import { send } from './send.ts';

interface Props {
  d: Dict;
  setup: PendingSetupView;
  onDone: (result: AddResult) => void;
  onCancelled: () => void;
}

/** The PIN choice form for the token waiting in the background's session. */
export function PinSetup({ d, setup, onDone, onCancelled }: Props) {
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (pin.length < setup.minLength) return setError({ code: 'pin_too_short' });
    if (pin !== again) return setError({ code: 'pin_mismatch' });
    setBusy(true);
    setError(null);
    try {
      onDone(await send('account.set-pin', { pin }));
    } catch (err) {
      setError(toUiError(err));
    } finally {
      setBusy(false);
    }
  };

  // Inline confirmation: Firefox's popups have no window.confirm.
  const [asking, setAsking] = useState(false);
  const cancel = async () => {
    try {
      await send('account.cancel-setup', {});
      onCancelled();
    } catch (err) {
      setError(toUiError(err));
    }
  };

  return (
    <form class="screen pin-setup" onSubmit={submit} noValidate aria-busy={busy}>
      <p class="intro">{d.pinIntro(setup.userId, setup.issuer, setup.minLength)}</p>
      {setup.byPolicy ? (
        <p class="managed" data-testid="managed-note">
          {d.pinByPolicy}
        </p>
      ) : null}
      <div class="field">
        <label for="new-pin">{d.newPin}</label>
        <input id="new-pin" data-testid="pin" type="password" inputMode="numeric" autocomplete="new-password" minLength={setup.minLength} value={pin} onInput={(e) => setPin(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="new-pin-again">{d.pinAgain}</label>
        <input id="new-pin-again" data-testid="pin-confirm" type="password" inputMode="numeric" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
      </div>
      <ErrorLine error={error} d={d} />
      <BusyLine busy={busy} d={d} />
      {asking ? (
        <Confirm
          id="cancel-question"
          testIds={['cancel-setup-keep', 'cancel-setup-confirm']}
          question={d.cancelSetupConfirm}
          keep={d.removeCancel}
          confirm={d.cancelSetup}
          onKeep={() => setAsking(false)}
          onConfirm={cancel}
        />
      ) : null}
      <div class="actions">
        <button type="button" class="secondary" data-testid="cancel-setup" onClick={() => setAsking(true)}>
          {d.cancelSetup}
        </button>
        <button type="submit" class="primary" data-testid="submit" disabled={busy}>
          {d.save}
        </button>
      </div>
    </form>
  );
}
