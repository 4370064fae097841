/**
 * The organisation's policy (browser managed storage, set by the service
 * centre): parsed from whatever the browser hands over, and the rules that
 * apply it. Pure: the background reads `storage.managed` and calls these.
 * Keys and rules are documented in docs/operations.md, "Deploying the
 * extension by policy"; the schema Chrome checks is public/managed-schema.json.
 */
import { JetonError } from './errors.ts';
import { AUTO_LOCK_CHOICES, type AutoLockMinutes } from './messages.ts';
import { normalizeOrigin, parseServerURL } from './origins.ts';

/** What the organisation decided; every field absent or neutral means "no rule". */
export interface Policy {
  /** True when at least one key was set (and understood): the popup says "managed by your organisation". */
  managed: boolean;
  /** Pre-filled in the add screen; https (or loopback http). */
  defaultServerUrl?: string;
  /** Normalised origins; absent: any origin the server names. Present and empty: none. */
  allowedLoginOrigins?: string[];
  /** A PIN for every token added, even when the server's profile does not ask for one. */
  forcePin: boolean;
  /** The shortest PIN accepted, whenever a PIN is chosen (1–64). */
  minPinLength?: number;
  /** The longest auto-lock delay the user may pick (one of AUTO_LOCK_CHOICES, never 0). */
  autoLockMaxMinutes?: Exclude<AutoLockMinutes, 0>;
  /** False: no demo token, and the demo switch is hidden. */
  demoAllowed: boolean;
  /** Days before expiry at which to warn (badge, notification, popup), largest first; absent: 30, 14, 7, 1. */
  warningDays?: number[];
  /** False: no expiry notifications (the badge and the popup still warn). */
  notifications?: boolean;
  /** True: tokens without a PIN renew by themselves as soon as renewal opens (PROTOCOL §6). */
  autoRenew?: boolean;
  /** False: Jeton fills nothing on any page (no content script is registered); codes stay in the popup. */
  fillEnabled: boolean;
  /** Forces « Remplir automatiquement à l'ouverture de la page » on or off; absent: the user chooses. */
  autoFill?: boolean;
}

export const NO_POLICY: Policy = Object.freeze({ managed: false, forcePin: false, demoAllowed: true, fillEnabled: true });

/** The minimum length of a PIN forced by `forcePin` when `minPinLength` is not set. */
const DEFAULT_FORCED_PIN_LENGTH = 4;
const MAX_PIN_LENGTH = 64;
const MAX_ORIGINS = 64;

export class PolicyError extends JetonError {}

/** A plain object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/**
 * Reads the raw managed-storage object. Unknown keys and ill-typed values are
 * ignored, never thrown: a broken policy must not break the extension. One
 * exception fails closed: an `allowedLoginOrigins` list whose entries are all
 * invalid allows no origin (a typo must not lift the restriction).
 */
export function parsePolicy(raw: unknown): Policy {
  try {
    return readPolicy(raw);
  } catch {
    // Only reachable with exotic objects (throwing getters); managed storage hands over plain JSON.
    return NO_POLICY;
  }
}

function readPolicy(raw: unknown): Policy {
  if (!isRecord(raw)) return NO_POLICY;
  const policy: Policy = { managed: false, forcePin: false, demoAllowed: true, fillEnabled: true };
  let managed = false;

  const url = own(raw, 'defaultServerUrl');
  if (typeof url === 'string' && url.length <= 2048) {
    try {
      policy.defaultServerUrl = parseServerURL(url).href;
      managed = true;
    } catch {
      // Not an https URL: ignored.
    }
  }

  const origins = own(raw, 'allowedLoginOrigins');
  if (Array.isArray(origins)) {
    // Exact origins only: a wildcard would never match, so it is dropped rather than kept as a puzzle.
    const valid = origins
      .slice(0, MAX_ORIGINS)
      .flatMap((o) => (typeof o === 'string' && o.length <= 512 && !o.includes('*') ? [normalizeOrigin(o)] : []))
      .filter((o): o is string => o !== null);
    policy.allowedLoginOrigins = [...new Set(valid)];
    managed = true;
  }

  const forcePin = own(raw, 'forcePin');
  if (typeof forcePin === 'boolean') {
    policy.forcePin = forcePin;
    managed = true;
  }

  const minPin = own(raw, 'minPinLength');
  if (typeof minPin === 'number' && Number.isInteger(minPin) && minPin >= 1) {
    policy.minPinLength = Math.min(minPin, MAX_PIN_LENGTH);
    managed = true;
  }

  const autoLock = own(raw, 'autoLockMinutes');
  if (typeof autoLock === 'number' && Number.isInteger(autoLock) && autoLock >= 1) {
    // Rounded down to a choice the popup offers; 1 is the smallest.
    const fits = AUTO_LOCK_CHOICES.filter((m): m is Exclude<AutoLockMinutes, 0> => m !== 0 && m <= autoLock);
    policy.autoLockMaxMinutes = fits[fits.length - 1] ?? 1;
    managed = true;
  }

  const demo = own(raw, 'demoMode');
  if (typeof demo === 'boolean') {
    policy.demoAllowed = demo;
    managed = true;
  }

  const warningDays = own(raw, 'expiryWarningDays');
  if (Array.isArray(warningDays)) {
    // Whole days from 1 to a year; an empty list means no warning before expiry (expired is still said).
    const days = warningDays.slice(0, 16).filter((d): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 365);
    policy.warningDays = [...new Set(days)].sort((a, b) => b - a);
    managed = true;
  }

  const notifications = own(raw, 'expiryNotifications');
  if (typeof notifications === 'boolean') {
    policy.notifications = notifications;
    managed = true;
  }

  const autoRenew = own(raw, 'autoRenew');
  if (typeof autoRenew === 'boolean') {
    policy.autoRenew = autoRenew;
    managed = true;
  }

  const fill = own(raw, 'fillEnabled');
  if (typeof fill === 'boolean') {
    policy.fillEnabled = fill;
    managed = true;
  }

  const autoFill = own(raw, 'autoFill');
  if (typeof autoFill === 'boolean') {
    policy.autoFill = autoFill;
    managed = true;
  }

  policy.managed = managed;
  return policy;
}

/** The auto-lock delays the user may pick: all of them, or those from 1 minute up to the policy's maximum (never "0", no time limit). */
export function autoLockChoices(policy: Policy): AutoLockMinutes[] {
  const max = policy.autoLockMaxMinutes;
  return max === undefined ? [...AUTO_LOCK_CHOICES] : AUTO_LOCK_CHOICES.filter((m) => m !== 0 && m <= max);
}

/** The delay in force: the user's choice when the policy allows it, else the policy's maximum. */
export function effectiveAutoLock(policy: Policy, chosen: AutoLockMinutes): AutoLockMinutes {
  const max = policy.autoLockMaxMinutes;
  if (max === undefined) return chosen;
  return chosen !== 0 && chosen <= max ? chosen : max;
}

/** Whether the PIN must be chosen for a new token and its minimum length: the stricter of the server's profile and the policy. */
export function pinRule(policy: Policy, profile: { required: boolean; minLength: number }): { required: boolean; minLength: number; byPolicy: boolean } {
  const required = profile.required || policy.forcePin;
  const floor = policy.minPinLength ?? (policy.forcePin ? DEFAULT_FORCED_PIN_LENGTH : 1);
  const minLength = Math.min(MAX_PIN_LENGTH, Math.max(1, profile.required ? profile.minLength : 0, floor));
  return { required, minLength, byPolicy: required && (!profile.required || minLength > Math.max(1, profile.minLength)) };
}

/** The token's login origins the policy allows (all of them when the policy names none). */
export function allowedLoginOrigins(policy: Policy, origins: readonly string[]): string[] {
  const allowed = policy.allowedLoginOrigins;
  return allowed === undefined ? [...origins] : origins.filter((o) => allowed.includes(o));
}

/**
 * The login origins a new token keeps: those the policy allows. A token with
 * none of its origins allowed is refused (`login_origin_not_allowed`): it
 * could never fill a code anywhere the organisation trusts.
 */
export function checkLoginOrigins(policy: Policy, origins: readonly string[]): string[] {
  const kept = allowedLoginOrigins(policy, origins);
  if (policy.allowedLoginOrigins !== undefined && kept.length === 0) {
    throw new PolicyError('login_origin_not_allowed', 'This token is for a login site your organisation does not allow.');
  }
  return kept;
}

/** Whether codes are filled by themselves when a login page opens: the policy's choice when it makes one, else the user's. */
export function effectiveAutoFill(policy: Policy, chosen: boolean): boolean {
  return policy.fillEnabled && (policy.autoFill ?? chosen);
}
