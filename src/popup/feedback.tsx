/** The popup's error and notice lines: one `error` (role=alert) and one `notice` (role=status) at a time. */
import { useEffect, useRef } from 'preact/hooks';
import type { ErrorInfo } from '../core/messages.ts';
import { errorText, PORTAL_ERRORS, type Dict } from './i18n.ts';
import { BackgroundError } from './send.ts';

/** An error to show: its code, and the portal to send the user to when that is the fix. */
export interface UiError {
  code: string;
  portalUrl?: string | null;
  /** Tries left, a lockout's end… (ErrorInfo.details). */
  details?: ErrorInfo['details'];
}

/** Turns anything thrown into a UiError (never the raw message: it may be English or technical). */
export function toUiError(err: unknown, portalUrl?: string | null): UiError {
  // Whatever arrives at run time is a string: a code this popup has no sentence for gets the generic one.
  const info: Pick<UiError, 'code' | 'details'> = err instanceof BackgroundError ? err.info : { code: (err as { code?: unknown })?.code?.toString() ?? 'fallback' };
  const ui: UiError = { code: info.code, portalUrl: PORTAL_ERRORS.has(info.code) ? portalUrl : null };
  if (info.details) ui.details = info.details;
  return ui;
}

/** The error sentence (`role="alert"`), with the portal link when that is the fix. */
export function ErrorLine({ error, d }: { error: UiError | null; d: Dict }) {
  if (!error) return null;
  return (
    <p class="error" data-testid="error" role="alert">
      {errorText(d, error)}
      {error.portalUrl ? (
        <>
          {' '}
          <a data-testid="portal-link" href={error.portalUrl} target="_blank" rel="noopener noreferrer">
            {error.portalUrl}
          </a>
        </>
      ) : null}
    </p>
  );
}

/** An informative sentence (`role="status"`). */
export function NoticeLine({ notice }: { notice: string | null }) {
  if (!notice) return null;
  return (
    <p class="notice" data-testid="notice" role="status">
      {notice}
    </p>
  );
}

/** The "working…" line while a request runs. */
export function BusyLine({ busy, d }: { busy: boolean; d: Dict }) {
  if (!busy) return null;
  return (
    <p class="notice" data-testid="busy" role="status">
      {d.busy}
    </p>
  );
}

interface ConfirmProps {
  /** The question's element id. */
  id: string;
  /** The test ids of "keep" and "confirm". */
  testIds: [string, string];
  question: string;
  keep: string;
  confirm: string;
  onKeep: () => void;
  onConfirm: () => void;
}

/** A question asked in place before something is lost; focus goes to "keep", so a stray Enter loses nothing. */
export function Confirm({ id, testIds, question, keep, confirm, onKeep, onConfirm }: ConfirmProps) {
  const keepButton = useRef<HTMLButtonElement>(null);
  useEffect(() => keepButton.current?.focus(), []);
  return (
    <div class="confirm" role="alertdialog" aria-labelledby={id}>
      <p id={id}>{question}</p>
      <div class="actions">
        <button type="button" class="secondary" data-testid={testIds[0]} ref={keepButton} onClick={onKeep}>
          {keep}
        </button>
        <button type="button" class="danger" data-testid={testIds[1]} onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </div>
  );
}
