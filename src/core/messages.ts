/**
 * The extension's internal messages: one map from message name to its request
 * and response types, the wire shape, the reply shape, and strict validation
 * of requests at the background's boundary. Pure: used by the background, the
 * popup (types only) and tests.
 */
import { JetonError, type ErrorCode } from './errors.ts';
import { readShape, type Reader, type Shape } from './shape.ts';

export type Language = 'browser' | 'fr' | 'en';

/** Minutes before unlocked PIN tokens lock again; 0: only on screen lock or browser close. */
export const AUTO_LOCK_CHOICES = [0, 1, 5, 15, 30, 60, 240] as const;
export type AutoLockMinutes = (typeof AUTO_LOCK_CHOICES)[number];

export interface Settings {
  language: Language;
  autoLockMinutes: AutoLockMinutes;
  /** Fill the code by itself when a login page opens (off unless the user or the policy turns it on). */
  autoFill: boolean;
}

export const DEFAULT_SETTINGS: Settings = { language: 'browser', autoLockMinutes: 15, autoFill: false };

/** A current code as the popup sees it: the value and when it stops being valid. */
interface CodeView {
  /** Digits only; the popup groups them. */
  value: string;
  /** Epoch ms at which the next code starts. */
  stepEndsAt: number;
  period: number;
}

/** One token as the popup sees it: never a seed. */
export interface AccountView {
  id: string;
  issuer: string;
  userId: string;
  demo: boolean;
  expiresAt: string;
  /**
   * `pending` until the server has confirmed it (PROTOCOL §4); `renewing` while
   * a renewal waits for its confirmation (the current token still works);
   * `superseded`, `revoked`, `expired` as the server last said (§5): no code then.
   * Only `active` tokens are offered on login pages.
   */
  state: AccountState;
  /** Days left before `expiresAt` (core/expiry.ts `daysLeft`); 0 or less once expired. */
  daysLeft: number;
  /** The most urgent warning threshold reached (days; the organisation may change them); absent when none. */
  warningDays?: number;
  /**
   * What renewing looks like for this token: `open` (one click, §6), `not_open`
   * (opens on `renewOpensAt`), `portal` (the profile renews through the portal,
   * or the token has expired), `retry` (a renewal was interrupted). Absent for
   * the demo token and tokens without a server state yet.
   */
  renewal?: 'open' | 'not_open' | 'portal' | 'retry';
  renewOpensAt?: string;
  pin: boolean;
  locked: boolean;
  /** Absent while locked. */
  code?: CodeView;
  portalUrl?: string;
  /** Where this token's codes may be filled (PROTOCOL §3); the popup asks for host access to them. */
  loginOrigins?: string[];
  /** Whether the profile lets this token go into an encrypted backup. */
  exportable: boolean;
}

export type AccountState = 'active' | 'pending' | 'renewing' | 'superseded' | 'revoked' | 'expired';

/** A token provisioned but waiting for its PIN (kept in storage.session). */
export interface PendingSetupView {
  issuer: string;
  userId: string;
  serverUrl: string;
  minLength: number;
  /** True when the organisation's policy asks for this PIN or raised its minimum (the popup says so). */
  byPolicy?: boolean;
}

/** What the popup shows of the organisation's policy (storage.managed; see core/policy.ts). */
export interface PolicyView {
  /** Some setting is decided by the organisation. */
  managed: boolean;
  /** Pre-filled in the add screen. */
  defaultServerUrl?: string;
  demoAllowed: boolean;
  /** The auto-lock delays the user may pick. */
  autoLockChoices: AutoLockMinutes[];
  /** False: the organisation turned filling on login pages off. */
  fillEnabled: boolean;
  /** True when the organisation decides « Remplir automatiquement » (the setting shows its value, locked). */
  autoFillManaged: boolean;
}

export interface PopupState {
  accounts: AccountView[];
  /** The settings in force (the auto-lock as the policy allows it). */
  settings: Settings;
  demo: boolean;
  policy: PolicyView;
  pendingSetup: PendingSetupView | null;
  /** The background's clock when it answered (epoch ms). */
  now: number;
  /** Local clock + this = the server's (PROTOCOL §5 `serverTime`); codes are already computed with it. */
  clockOffsetMs: number;
}

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  /** Safe extra facts for the sentence shown (`retryAfter` seconds, tries left before a lockout, its end in epoch ms…). */
  details?: { retryAfter?: number; failuresLeft?: number; lockedUntil?: number; lockoutSeconds?: number };
}

export type AddResult =
  | { kind: 'added'; id: string; confirmed: boolean; confirmError?: ErrorInfo }
  | { kind: 'pin_required'; setup: PendingSetupView };

type Empty = Record<string, never>;

/** A token a content script may offer on its page: never a code or a seed. */
export interface FillOffer {
  id: string;
  issuer: string;
  userId: string;
  /** A PIN token not unlocked in this session: the button opens Jeton instead. */
  locked: boolean;
  /** The code's length (segmented boxes must match it). */
  digits: number;
}

/** Every message: its request and its response. The background must handle each one. */
interface MessageMap {
  'state.get': { req: Empty; res: PopupState };
  /** What a `state.get` still unanswered waits for: `policy`, the browser's first answer about the organisation's rules. */
  'state.waiting': { req: Empty; res: { policy: boolean } };
  'account.add': { req: { serverUrl: string; userId: string; code: string }; res: AddResult };
  'account.set-pin': { req: { pin: string }; res: Extract<AddResult, { kind: 'added' }> };
  'account.cancel-setup': { req: Empty; res: null };
  'account.unlock': { req: { id: string; pin: string }; res: { pinCheck: 'valid' | 'unchecked'; reason?: string } };
  /**
   * Sent once per popup opening, after its first frame: the opening counts as activity (auto-lock), then the
   * background's round runs (unconfirmed tokens confirmed, the state of the tokens not asked in the last minute, §5,
   * renewals, warnings); answers the state after. `state.get` is only a read: nothing written, no server asked.
   */
  'status.refresh': { req: Empty; res: PopupState };
  /** Renews a token in one click (§6 then §4); a PIN token needs its PIN. `renewing`: the new token waits for its confirmation, retried later. */
  'account.renew': { req: { id: string; pin?: string }; res: { outcome: 'renewed' | 'renewing' } };
  'account.remove': { req: { id: string }; res: null };
  'vault.lock': { req: Empty; res: null };
  'settings.set': { req: Partial<Settings>; res: Settings };
  'demo.set': { req: { enabled: boolean }; res: null };
  /** Starts over with an empty vault: offered only when the stored one cannot be opened. */
  'vault.reset': { req: { confirm: true }; res: null };
  /** An encrypted backup of the exportable tokens (the file's text). */
  'backup.export': { req: { password: string }; res: { file: string; count: number } };
  'backup.import': { req: { file: string; password: string }; res: { added: number; refused: number } };
  /** From a content script: the tokens it may offer on its page (its frame's and its top page's origin, from `sender`). */
  'fill.offers': { req: Empty; res: { offers: FillOffer[]; autoFill: boolean; language: Language } };
  /** From a content script, after a trusted click on Jeton's button or the keyboard command: the current code of one offered token. */
  'fill.code': { req: { id: string }; res: { code: string } };
  /** From a content script, for a locked token: opens Jeton's popup when the browser allows it. */
  'fill.unlock': { req: Empty; res: { opened: boolean } };
}

export type MessageName = keyof MessageMap;
export type RequestOf<N extends MessageName> = MessageMap[N]['req'];
export type ResponseOf<N extends MessageName> = MessageMap[N]['res'];

/** What travels through runtime.sendMessage. */
export interface WireMessage<N extends MessageName = MessageName> {
  jeton: 1;
  name: N;
  req: RequestOf<N>;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** Who may send a message: the extension's own pages, or content scripts (checked against the token's login origins). */
export type Audience = 'extension' | 'content';

export const MESSAGE_AUDIENCE: { [N in MessageName]: Audience } = {
  'state.get': 'extension',
  'state.waiting': 'extension',
  'account.add': 'extension',
  'account.set-pin': 'extension',
  'account.cancel-setup': 'extension',
  'account.unlock': 'extension',
  'status.refresh': 'extension',
  'account.renew': 'extension',
  'account.remove': 'extension',
  'vault.lock': 'extension',
  'settings.set': 'extension',
  'demo.set': 'extension',
  'vault.reset': 'extension',
  'backup.export': 'extension',
  'backup.import': 'extension',
  'fill.offers': 'content',
  'fill.code': 'content',
  'fill.unlock': 'content',
};

class MessageError extends JetonError {}

// ---- validation ----------------------------------------------------------


const invalid = (message: string): MessageError => new MessageError('invalid_message', message);

const text =
  (max: number, min = 0): Reader<string> =>
  (value, name) => {
    if (typeof value !== 'string' || value.length < min || value.length > max) throw invalid(`${name} must be a string of ${min} to ${max} characters.`);
    return value;
  };

const boolean: Reader<boolean> = (value, name) => {
  if (typeof value !== 'boolean') throw invalid(`${name} must be true or false.`);
  return value;
};

/** Exactly `true`: for requests that must be confirmed on purpose. */
const yes: Reader<true> = (value, name) => {
  if (value !== true) throw invalid(`${name} must be true.`);
  return true;
};

const oneOf =
  <T extends string | number>(choices: readonly T[]): Reader<T> =>
  (value, name) => {
    if (!choices.includes(value as T)) throw invalid(`${name} is not one of the choices.`);
    return value as T;
  };

/** An object with exactly these fields (the optional ones may be absent). */
const object =
  <T extends object>(shape: Shape<T>, optional: Array<keyof T> = []): Reader<T> =>
  (value, name) =>
    readShape(value, name, shape, optional, invalid);

const empty: Reader<Empty> = object<Empty>({});
const accountId = text(64, 1);

/** One validator per message; the compiler forces one for every name. */
export const REQUEST_READERS: { [N in MessageName]: Reader<RequestOf<N>> } = {
  'state.get': empty,
  'state.waiting': empty,
  'account.add': object({ serverUrl: text(2048, 1), userId: text(256, 1), code: text(64, 1) }),
  'account.set-pin': object({ pin: text(64, 1) }),
  'account.cancel-setup': empty,
  'account.unlock': object({ id: accountId, pin: text(64, 1) }),
  'status.refresh': empty,
  'account.renew': object<{ id: string; pin?: string }>({ id: accountId, pin: text(64, 1) }, ['pin']),
  'account.remove': object({ id: accountId }),
  'vault.lock': empty,
  'settings.set': object<Partial<Settings>>(
    { language: oneOf<Language>(['browser', 'fr', 'en']), autoLockMinutes: oneOf(AUTO_LOCK_CHOICES), autoFill: boolean },
    ['language', 'autoLockMinutes', 'autoFill'],
  ),
  'demo.set': object({ enabled: boolean }),
  'vault.reset': object({ confirm: yes }),
  'backup.export': object({ password: text(256, 1) }),
  'backup.import': object({ file: text(1_000_000, 1), password: text(256, 1) }),
  'fill.offers': empty,
  'fill.code': object({ id: accountId }),
  'fill.unlock': empty,
};

const isMessageName = (name: unknown): name is MessageName => typeof name === 'string' && Object.hasOwn(REQUEST_READERS, name);

/** Validates a message at the boundary; throws MessageError('invalid_message') on anything else. */
export function parseWireMessage(raw: unknown): WireMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('A message is an object.');
  const m = raw as Record<string, unknown>;
  if (m.jeton !== 1) throw invalid('Not a Jeton message.');
  if (!isMessageName(m.name)) throw invalid('Unknown message.');
  const keys = Object.keys(m);
  if (keys.length !== 3 || !keys.includes('req')) throw invalid('A message has exactly jeton, name and req.');
  const reader = REQUEST_READERS[m.name] as Reader<unknown>;
  return { jeton: 1, name: m.name, req: reader(m.req, 'req') as RequestOf<MessageName> };
}

/** Builds the wire form of a request (used by the popup's `send`). */
export const wireMessage = <N extends MessageName>(name: N, req: RequestOf<N>): WireMessage<N> => ({ jeton: 1, name, req });
