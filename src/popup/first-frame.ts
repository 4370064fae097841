/**
 * The popup's first frame as the service worker serves it (Chrome and Edge):
 * the page arrives with the accounts already rendered and, beside them, the
 * state they were rendered from, which the popup's script reads here to take
 * the page over. @see background/popup-page.ts, docs/vault.md "The popup's page"
 */
import type { PopupState } from '../core/messages.ts';

/** The id of the element holding that state (JSON, in a script element browsers never run). */
export const FIRST_STATE_ID = 'jeton-first-state';

/** The state the page was rendered with, taken out of the page; undefined when the page came as packaged. */
export function takeFirstState(doc: Document): PopupState | undefined {
  const holder = doc.getElementById(FIRST_STATE_ID);
  if (!holder) return undefined;
  holder.remove();
  try {
    return JSON.parse(holder.textContent ?? '') as PopupState;
  } catch {
    return undefined;
  }
}
