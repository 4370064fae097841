/**
 * Jeton's content script, registered only on the login origins of the
 * user's tokens (background/content-scripts.ts). When a code field gets the
 * focus, it asks the background what it may offer here, and shows Jeton's
 * button; the code comes only after a trusted click on it (or the keyboard
 * command, or the user's « Remplir automatiquement » setting), and goes only
 * into a field a person can see. Nothing is kept: the page learns no code
 * before the click.
 */
import type { FillOffer } from '../core/messages.ts';
import { ext, send, shadowOf } from './api.ts';
import { offerButton } from './button.ts';
import { deepActiveElement, findCodeTargets, targetOf, type CodeTarget } from './detect.ts';
import { fieldsOf, fillTarget } from './fill-value.ts';
import { isExposed, MIN_OPACITY, seenOpacity } from './guard.ts';
import { wordsFor, type Words } from './strings.ts';

let current: CodeTarget | null = null;
// While Jeton types, the focus moves from box to box: not a new field to offer on.
let typing = false;
let autoFilled = false;
// The user's language in Jeton, learnt with each answer of the background.
let words: Words = wordsFor('browser', navigator.language);
const button = offerButton(document, () => (current = null));

const fieldOfTarget = (target: CodeTarget): HTMLInputElement => fieldsOf(target)[fieldsOf(target).length - 1]!;
const exposed = (target: CodeTarget): boolean => fieldsOf(target).every((f) => f.isConnected && isExposed(f, button.host));

/** Fetches the code of `offer` and types it into `target`, or copies it when the boxes do not match. */
async function fill(target: CodeTarget, offer: FillOffer): Promise<void> {
  const reply = await send('fill.code', { id: offer.id });
  // The page may have replaced the field meanwhile: never type into a node that left the document.
  if (!reply || !fieldsOf(target).every((f) => f.isConnected)) return;
  typing = true;
  try {
    if (target.kind === 'boxes' && target.fields.length !== reply.code.length) {
      await navigator.clipboard.writeText(reply.code).then(
        () => button.say(words.copied),
        () => undefined,
      );
      return;
    }
    fillTarget(target, reply.code);
    button.hide();
  } finally {
    typing = false;
  }
}

/** A trusted click on one of Jeton's buttons. */
async function picked(target: CodeTarget, offer: FillOffer): Promise<void> {
  if (offer.locked) {
    const opened = await send('fill.unlock', {});
    if (!opened?.opened) button.say(words.unlockHint);
    return;
  }
  // Checked again at the click: the page may have moved something over the field or the button since.
  const host = button.host;
  if (!exposed(target) || !host || seenOpacity(host) < MIN_OPACITY || !isExposed(host)) return button.hide();
  await fill(target, offer);
}

/** Offers Jeton's button for `target` when the background has something for this page. */
async function offer(target: CodeTarget): Promise<void> {
  current = target;
  const reply = await send('fill.offers', {});
  if (reply) words = wordsFor(reply.language, navigator.language);
  if (current !== target) return;
  if (!reply || reply.offers.length === 0 || !exposed(target)) {
    // Nothing shown: the next focus asks again (the overlay may be gone, the token unlocked).
    current = null;
    return;
  }
  const boxesMismatch = (o: FillOffer) => target.kind === 'boxes' && target.fields.length !== o.digits && !o.locked;
  const label = (o: FillOffer) => (o.locked ? words.unlock : boxesMismatch(o) ? words.copy : reply.offers.length > 1 ? words.fillFor(o.userId) : words.fill);
  const first = reply.offers[0]!;
  const kind = first.locked ? 'unlock' : boxesMismatch(first) ? 'copy' : 'fill';
  button.show(fieldOfTarget(target), reply.offers, (o) => void picked(target, o), label, kind);
}

function onFocus(): void {
  // Jeton's own button taking the focus is not the page's field losing it.
  if (typing || (button.host && document.activeElement === button.host)) return;
  const active = deepActiveElement(document, shadowOf);
  const target = active ? targetOf(active, shadowOf) : null;
  if (!target) {
    if (current) button.hide();
    return;
  }
  // The same field again (the window got the focus back): keep a button that fills or copies, ask again otherwise (unlocked meanwhile?).
  const shown = button.host?.getAttribute('data-jeton-offer');
  if (current && fieldsOf(current).includes(active as HTMLInputElement) && (shown === undefined || shown === 'fill' || shown === 'copy')) return;
  void offer(target);
}

// Learnt once per page: whether the user or the organisation wants codes filled without a click.
let autoFill: boolean | null = null;
const tried = new WeakSet<Element>();

/** At page open, and when a code field appears: fills by itself if the user or the organisation chose so. */
async function tryAutoFill(): Promise<void> {
  if (autoFilled || autoFill !== true || current) return;
  const target = findCodeTargets(document, shadowOf).find((c) => !tried.has(fieldsOf(c)[0]!));
  if (!target) return;
  tried.add(fieldsOf(target)[0]!);
  const reply = await send('fill.offers', {});
  const unlocked = reply?.offers.filter((o) => !o.locked) ?? [];
  if (!reply?.autoFill || autoFilled || unlocked.length !== 1 || !exposed(target)) return;
  autoFilled = true;
  await fill(target, unlocked[0]!);
}

/** Listens for focus, page changes and the keyboard command, and learns whether to fill by itself. */
function start(): void {
  document.addEventListener('focusin', onFocus, true);
  // Escape puts the button away, as any pop-up.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && button.host) button.hide();
  }, true);
  addEventListener('scroll', () => button.place(), { capture: true, passive: true });
  addEventListener('resize', () => button.place(), { passive: true });

  // Fields come and go in single-page apps: drop the button when its field leaves, and auto-fill a field that appears.
  new MutationObserver(() => {
    if (current && !fieldsOf(current).every((f) => f.isConnected)) button.hide();
    void tryAutoFill();
  }).observe(document, { childList: true, subtree: true });

  // The keyboard command, relayed by the background: only from Jeton itself, never from a page.
  ext.runtime.onMessage.addListener((message, sender) => {
    const m = message as { jeton?: unknown; command?: unknown } | null;
    if (sender.id !== ext.runtime.id || sender.tab || m?.jeton !== 1 || m.command !== 'fill' || !document.hasFocus()) return;
    const active = deepActiveElement(document, shadowOf);
    const target = active ? targetOf(active, shadowOf) : null;
    if (!target || !exposed(target)) return;
    void send('fill.offers', {}).then((reply) => {
      const usable = reply?.offers.filter((o) => !o.locked) ?? [];
      if (usable.length === 1) void fill(target, usable[0]!);
      else if (reply && reply.offers.length > 0) void offer(target);
    });
  });

  void send('fill.offers', {}).then((reply) => {
    autoFill = reply?.autoFill ?? false;
    return tryAutoFill();
  });
  // A field focused before the script arrived (autofocus) gets its button now.
  onFocus();
}

// A sandboxed frame (opaque origin "null") is never a login page, whatever its URL says.
if (globalThis.origin !== 'null') start();
