/** What the background's logic needs from the browser, injected so tests run in Node with fakes. */
import type { Fetch } from '../core/protocol/client.ts';
import type { VaultContent } from '../core/vault.ts';
import type { VaultStore } from '../core/vault-store.ts';
import type { ManagedArea } from './policy.ts';
import type { SessionStore } from './session.ts';

/** Schedules the auto-lock (an alarm in the extension). */
interface LockTimer {
  /** Locks at `whenMs` (epoch ms), replacing any earlier schedule. */
  schedule(whenMs: number): Promise<void>;
  cancel(): Promise<void>;
}

/** A browser notification about a token's expiry. */
interface ExpiryNote {
  title: string;
  message: string;
  /** The label of a « Renouveler » button, where the browser has buttons (Chrome, Edge); null: no button. */
  renewButton: string | null;
}

/** Browser notifications (`notifications` permission). `id` names the token, so a click knows which to renew. */
interface Notifier {
  show(id: string, note: ExpiryNote): Promise<void>;
}

/** The toolbar badge; text '' hides it. */
interface Badge {
  set(text: string, color: string): Promise<void>;
}

/** The vault as the background's logic uses it: core's VaultStore, or one task's view of it (task-deps.ts). */
export interface Vault {
  read(): Promise<VaultContent>;
  update(change: (content: VaultContent) => VaultContent | Promise<VaultContent>): Promise<VaultContent>;
  reset(): Promise<void>;
}

export interface Deps {
  vault: Vault;
  session: SessionStore;
  /** The organisation's policy (storage.managed); read, never written. */
  managed: ManagedArea;
  fetch: Fetch;
  /** The clock (epoch ms); tests pin it. */
  now: () => number;
  lockTimer: LockTimer;
  /** Sent as `device.name` when provisioning (PROTOCOL §3). */
  deviceName: string;
  /** PBKDF2 iterations for new PINs; only tests lower it. */
  pinIterations?: number;
  /** Opens Jeton's popup (action.openPopup) where the browser allows it without a click on the toolbar; false otherwise. */
  openPopup?: () => Promise<boolean>;
  /** Runs work after the reply (confirmation retries); tests await it. */
  later(work: Promise<unknown>): void;
  notifier: Notifier;
  badge: Badge;
  /** The browser's UI language (navigator.language), for notifications and the badge when the user chose none. */
  uiLanguage: string;
}

/** What the background is built with; each message (and each alarm's round) works on its own view of it (task-deps.ts). */
export interface RootDeps extends Deps {
  vault: VaultStore;
}
