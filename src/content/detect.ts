/**
 * Finding the one-time-code field of a login page, the way pages really build
 * it: `autocomplete="one-time-code"`, French or English words about a code in
 * the field's id, name, placeholder, aria-label or label, or 4 to 8
 * one-character boxes. Never a username, e-mail, password, search, postal
 * code, promo code, card or recovery-code field. Pure DOM: unit-tested in
 * Node (detect.test.ts) on page fixtures.
 */

/** A field to fill: one input, or boxes of one digit each (in order). */
export type CodeTarget = { kind: 'single'; field: HTMLInputElement } | { kind: 'boxes'; fields: HTMLInputElement[] };

/** Gives an element's shadow root, open or (where the browser lets the extension in) closed. */
export type ShadowOf = (element: Element) => ShadowRoot | null;

const openShadowOnly: ShadowOf = (element) => element.shadowRoot;

// `type` as the browser reads it: a missing or unknown type is "text".
const TYPES = new Set(['text', 'tel', 'number']);

// Lower case, accents and separators away, camelCase split: "codeD'accès" → "code d acces".
const normalize = (text: string): string =>
  text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

// Words that make a field a code field. Short tags (otp, 2fa, mfa) also count inside a word (`otpInput`, `mfacode`).
const CODE_WORDS =
  /\b(one time|onetime|otp|totp|2fa|mfa|passcode|pass code|token|jeton|verification|verify|verifier|authentication code|auth code|security code|access code|sms code|code sms|two factor|deux facteurs|double authentification|code d acces|code du jeton|code a usage unique|code de securite|code de validation|code de connexion|code temporaire|code unique|code recu)\b|otp|2fa|mfa/;
// Words that make a field anything but the code field, even with "code" in its name.
const DECOY_WORDS =
  /\b(user ?name|username|login ?name|identifiant|nom d utilisateur|utilisateur|user id|userid|e ?mail|courriel|adresse|password|passwd|mot de passe|mdp|search|recherche|rechercher|postal|zip|postcode|code postal|promo|coupon|discount|rabais|voucher|gift|cadeau|card|carte|cvv|cvc|cvn|credit|expiry|expiration|recovery|recuperation|backup|secours|de secours|phone|telephone|captcha|csrf|referral|parrainage|country|pays)\b/;
const DECOY_AUTOCOMPLETE = /\b(username|email|current-password|new-password|cc-|postal-code|tel|street|address|country)/;
// A bare "code" counts only with something else saying "short number".
const BARE_CODE = /\bcode\b/;

/** The text a person or a screen reader sees for the field: labels, aria-label(ledby), placeholder, title. */
function describedBy(field: HTMLInputElement): string {
  const parts = [field.id, field.name, field.placeholder, field.getAttribute('aria-label') ?? '', field.title];
  for (const label of Array.from(field.labels ?? [])) parts.push(label.textContent ?? '');
  const root = field.getRootNode() as Document | ShadowRoot;
  for (const id of (field.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean)) {
    parts.push(root.getElementById?.(id)?.textContent ?? '');
  }
  return normalize(parts.join(' '));
}

/** A field a person could type into (not hidden, disabled or read-only, of a text-like type). */
function isTypable(field: HTMLInputElement): boolean {
  return TYPES.has(field.type) && !field.disabled && !field.readOnly && !field.hidden;
}

function isDecoy(field: HTMLInputElement, words: string): boolean {
  const autocomplete = (field.getAttribute('autocomplete') ?? '').toLowerCase();
  return DECOY_AUTOCOMPLETE.test(autocomplete) || DECOY_WORDS.test(words);
}

/** A length a code fits in: no maxlength, or 4 to 12 characters (digits may come grouped "123 456"). */
const plausibleLength = (field: HTMLInputElement): boolean => field.maxLength < 0 || (field.maxLength >= 4 && field.maxLength <= 12);

/** True when `field` alone is a one-time-code field. */
export function isCodeField(field: HTMLInputElement): boolean {
  if (!isTypable(field) || !plausibleLength(field)) return false;
  const words = describedBy(field);
  if (isDecoy(field, words)) return false;
  if (/\bone-time-code\b/i.test(field.getAttribute('autocomplete') ?? '')) return true;
  if (CODE_WORDS.test(words)) return true;
  const numeric = field.inputMode === 'numeric' || field.getAttribute('inputmode') === 'numeric' || /\\d|0-9/.test(field.pattern) || field.type === 'number' || field.type === 'tel';
  return BARE_CODE.test(words) && (numeric || field.maxLength >= 4);
}

/** A one-character box (maxlength 1) that is not a decoy. */
function isBox(field: HTMLInputElement): boolean {
  return isTypable(field) && field.maxLength === 1 && !isDecoy(field, describedBy(field));
}

/** Every input under `root`, in document order, entering shadow roots (open, and closed where `shadowOf` reaches them). */
function inputsUnder(root: Document | ShadowRoot | Element, shadowOf: ShadowOf = openShadowOnly): HTMLInputElement[] {
  const found: HTMLInputElement[] = [];
  const visit = (node: ParentNode): void => {
    for (const el of Array.from(node.querySelectorAll('*'))) {
      if (el.localName === 'input') found.push(el as HTMLInputElement);
      const shadow = shadowOf(el);
      if (shadow) visit(shadow);
    }
  };
  visit(root);
  return found;
}

// Boxes are grouped by the element that holds them all: their parent, or their grandparent when each sits in its own wrapper.
const groupKey = (box: HTMLInputElement): Node | null => {
  const parent = box.parentNode;
  if (!parent) return null;
  const siblings = Array.from(parent.childNodes).filter((n) => (n as Element).localName === 'input').length;
  return siblings > 1 ? parent : (parent.parentNode ?? parent);
};

/** Groups of 4 to 8 adjacent one-character boxes, as found under `root`. */
function boxGroups(inputs: HTMLInputElement[]): HTMLInputElement[][] {
  const groups = new Map<Node, HTMLInputElement[]>();
  for (const input of inputs) {
    if (!isBox(input)) continue;
    const key = groupKey(input);
    if (!key) continue;
    const group = groups.get(key) ?? [];
    group.push(input);
    groups.set(key, group);
  }
  return [...groups.values()].filter((g) => g.length >= 4 && g.length <= 8);
}

/** Every code target under `root`: segmented boxes first, then single fields. */
export function findCodeTargets(root: Document | ShadowRoot | Element, shadowOf: ShadowOf = openShadowOnly): CodeTarget[] {
  const inputs = inputsUnder(root, shadowOf);
  const groups = boxGroups(inputs);
  const inGroup = new Set(groups.flat());
  const targets: CodeTarget[] = groups.map((fields) => ({ kind: 'boxes', fields }));
  for (const input of inputs) if (!inGroup.has(input) && isCodeField(input)) targets.push({ kind: 'single', field: input });
  return targets;
}

/** The code target `field` belongs to, if any (looked up from the field's own document or shadow root up). */
export function targetOf(field: Element, shadowOf: ShadowOf = openShadowOnly): CodeTarget | null {
  if (field.localName !== 'input') return null;
  const input = field as HTMLInputElement;
  if (input.maxLength === 1) {
    // Boxes live side by side: look in the element that groups them.
    const key = groupKey(input);
    const scope = key && (key as Element).querySelectorAll ? (key as Element) : null;
    if (scope) {
      const group = boxGroups(inputsUnder(scope, shadowOf)).find((g) => g.includes(input));
      if (group) return { kind: 'boxes', fields: group };
    }
    return null;
  }
  return isCodeField(input) ? { kind: 'single', field: input } : null;
}

/** The element that has the focus, down through shadow roots (open, and closed where `shadowOf` reaches them). */
export function deepActiveElement(doc: Document, shadowOf: ShadowOf = openShadowOnly): Element | null {
  let active: Element | null = doc.activeElement;
  for (let depth = 0; active && depth < 32; depth++) {
    const inner = shadowOf(active)?.activeElement ?? null;
    if (!inner) break;
    active = inner;
  }
  return active;
}
