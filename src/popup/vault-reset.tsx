/** Starting over when the stored vault cannot be opened (its key is gone or it is damaged): asks first. */
import { useState } from 'preact/hooks';
import { Confirm, toUiError, type UiError } from './feedback.tsx';
import type { Dict } from './i18n.ts';
import { send } from './send.ts';

interface Props {
  d: Dict;
  onDone: () => void;
  onError: (error: UiError) => void;
}

/** The "start over" button and its confirmation. */
export function VaultReset({ d, onDone, onError }: Props) {
  const [asking, setAsking] = useState(false);
  const reset = async () => {
    try {
      await send('vault.reset', { confirm: true });
      onDone();
    } catch (err) {
      onError(toUiError(err));
    }
  };
  if (!asking) {
    return (
      <div class="actions">
        <button type="button" class="danger" data-testid="reset-vault" onClick={() => setAsking(true)}>
          {d.resetVault}
        </button>
      </div>
    );
  }
  return (
    <Confirm
      id="reset-question"
      testIds={['reset-vault-cancel', 'reset-vault-confirm']}
      question={d.resetQuestion}
      keep={d.removeCancel}
      confirm={d.resetConfirm}
      onKeep={() => setAsking(false)}
      onConfirm={() => void reset()}
    />
  );
}
