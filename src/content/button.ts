/**
 * Jeton's button next to the code field: a host element in the page
 * (`data-jeton-offer`, whose box is the button's box) holding a closed
 * shadow root, shown in the top layer (popover) so the page's stacking
 * cannot put it under something. Only a trusted click counts.
 */
import type { FillOffer } from '../core/messages.ts';

/** What the button does, shown on the host as `data-jeton-offer` (a hook for tests and tools; the page could tell anyway). */
type OfferKind = 'fill' | 'copy' | 'unlock' | 'message';

export interface OfferButton {
  /** The host element (for cover checks); null while hidden. */
  readonly host: HTMLElement | null;
  show(anchor: Element, offers: FillOffer[], onPick: (offer: FillOffer) => void, label: (offer: FillOffer) => string, kind: OfferKind): void;
  /** Replaces the buttons with a sentence (copied, unlock hint). */
  say(text: string): void;
  hide(): void;
  /** Moves the button back next to its field (scroll, resize). */
  place(): void;
}

const SVG = 'http://www.w3.org/2000/svg';

/** Jeton's mark, drawn here: no web-accessible resource, nothing the page can swap. */
function icon(doc: Document): Element {
  const make = (name: string, attrs: Record<string, string>): Element => {
    const el = doc.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    return el;
  };
  const svg = make('svg', { width: '16', height: '16', viewBox: '0 0 16 16', 'aria-hidden': 'true' });
  svg.append(
    make('rect', { x: '1', y: '1', width: '14', height: '14', rx: '4', fill: '#fff' }),
    make('path', { d: 'M9.5 4v5.2a2.3 2.3 0 0 1-4.6 0', stroke: '#0b5cad', 'stroke-width': '1.8', fill: 'none', 'stroke-linecap': 'round' }),
  );
  return svg;
}
const STYLE =
  'button,p{all:initial;display:flex;align-items:center;gap:6px;box-sizing:border-box;font:600 13px/1.2 system-ui,sans-serif;color:#fff;background:#0b5cad;border-radius:6px;padding:6px 10px;cursor:pointer;box-shadow:0 1px 4px #0006;white-space:nowrap}button:focus-visible{outline:2px solid #ffbf47;outline-offset:1px}button+button{margin-top:4px}p{cursor:default;max-width:280px;white-space:normal;background:#1f2933}';
// The host's own box must be the button's: reset the popover's default look and anything the page's CSS could add.
const HOST_STYLE: Record<string, string> = {
  all: 'initial',
  position: 'fixed',
  margin: '0',
  padding: '0',
  border: '0',
  background: 'transparent',
  overflow: 'visible',
  width: 'auto',
  height: 'auto',
  inset: 'auto',
  'z-index': '2147483647',
  opacity: '1',
  visibility: 'visible',
  display: 'block',
};

/** Creates the button (nothing in the page until `show`). */
export function offerButton(doc: Document, onHide: () => void = () => undefined): OfferButton {
  let host: HTMLElement | null = null;
  let shadow: ShadowRoot | null = null;
  let anchor: Element | null = null;

  const place = (): void => {
    if (!host || !anchor) return;
    if (!anchor.isConnected) return hide();
    const field = anchor.getBoundingClientRect();
    const own = host.getBoundingClientRect();
    const view = doc.defaultView!;
    // Beside the field on the right when it fits, else below it.
    let left = field.right + 6;
    let top = field.top + (field.height - own.height) / 2;
    if (left + own.width > view.innerWidth) {
      left = Math.max(0, field.right - own.width);
      top = field.bottom + 4;
    }
    host.style.setProperty('left', `${Math.round(left)}px`, 'important');
    host.style.setProperty('top', `${Math.round(top)}px`, 'important');
  };

  const mount = (): ShadowRoot => {
    if (host && shadow && host.isConnected) return shadow;
    host = doc.createElement('jeton-offer');
    host.setAttribute('data-jeton-offer', '');
    host.setAttribute('popover', 'manual');
    for (const [name, value] of Object.entries(HOST_STYLE)) host.style.setProperty(name, value, 'important');
    shadow = host.attachShadow({ mode: 'closed' });
    doc.documentElement.append(host);
    return shadow;
  };

  const render = (content: Node[], kind: OfferKind): void => {
    const root = mount();
    host!.setAttribute('data-jeton-offer', kind);
    const style = doc.createElement('style');
    style.textContent = STYLE;
    root.replaceChildren(style, ...content);
    if (!host!.matches(':popover-open')) host!.showPopover();
    place();
  };

  const hide = (): void => {
    host?.remove();
    host = null;
    shadow = null;
    anchor = null;
    onHide();
  };

  return {
    get host() {
      return host;
    },
    show(to, offers, onPick, label, kind) {
      anchor = to;
      const buttons = offers.map((offer) => {
        const button = doc.createElement('button');
        button.type = 'button';
        button.append(icon(doc), label(offer));
        button.title = `${offer.issuer} — ${offer.userId}`;
        // The field keeps the focus while the button is pressed.
        button.addEventListener('mousedown', (event) => event.preventDefault());
        // A click the page made (element.click(), dispatchEvent) is not the user's: ignored.
        button.addEventListener('click', (event) => {
          if (event.isTrusted) onPick(offer);
        });
        return button;
      });
      render(buttons, kind);
    },
    say(message) {
      const p = doc.createElement('p');
      p.setAttribute('role', 'status');
      p.textContent = message;
      render([p], 'message');
    },
    hide,
    place,
  };
}
