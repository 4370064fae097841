/**
 * Refusing to offer or fill where a person cannot see what they click: a
 * field (or Jeton's button) that is nearly transparent, itself or through an
 * ancestor up to `html`, hidden, or covered by another element at any of
 * several points. These are the clickjacking tricks published against
 * password managers' inline menus in 2025.
 */

/** Below this combined opacity, a field or button counts as invisible. */
export const MIN_OPACITY = 0.5;

const parentAcrossShadow = (el: Element): Element | null => {
  if (el.parentElement) return el.parentElement;
  const root = el.getRootNode();
  return root instanceof ShadowRoot ? root.host : null;
};

/** The opacity a person sees: the product of the element's and every ancestor's, up to `html`; 0 when hidden. */
export function seenOpacity(el: Element): number {
  let opacity = 1;
  for (let node: Element | null = el; node; node = parentAcrossShadow(node)) {
    const style = getComputedStyle(node);
    if (style.visibility === 'hidden' || style.visibility === 'collapse' || style.display === 'none') return 0;
    opacity *= Number.parseFloat(style.opacity || '1');
    // Filters can fade just as well.
    const faded = /opacity\(\s*([\d.]+)(%?)\s*\)/.exec(style.filter);
    if (faded) opacity *= Number(faded[1]) / (faded[2] ? 100 : 1);
  }
  return opacity;
}

/** Points inside a box (centre and four inner points) at which it must be the element hit. */
function probePoints(box: DOMRect): Array<[number, number]> {
  const at = (fx: number, fy: number): [number, number] => [box.left + box.width * fx, box.top + box.height * fy];
  return [at(0.5, 0.5), at(0.15, 0.5), at(0.85, 0.5), at(0.5, 0.2), at(0.5, 0.8)];
}

/**
 * True when `el` is what a click at each of its probe points inside the
 * viewport would hit (it or something inside it; `ours` is Jeton's own
 * button, which may sit over it). False when no point is in the viewport.
 */
function isUncovered(el: Element, ours: Element | null = null): boolean {
  const box = el.getBoundingClientRect();
  if (box.width < 1 || box.height < 1) return false;
  const root = el.getRootNode() as Document | ShadowRoot;
  const view = el.ownerDocument.defaultView ?? window;
  let seen = 0;
  for (const [x, y] of probePoints(box)) {
    if (x < 0 || y < 0 || x >= view.innerWidth || y >= view.innerHeight) continue;
    seen++;
    const hit = root.elementFromPoint(x, y);
    if (!hit) return false;
    if (hit === el || el.contains(hit) || (ours && (hit === ours || ours.contains(hit)))) continue;
    return false;
  }
  return seen > 0;
}

/** True when a person can see `el` and nothing covers it. */
export const isExposed = (el: Element, ours: Element | null = null): boolean => seenOpacity(el) >= MIN_OPACITY && isUncovered(el, ours);
