/** What the background's logic needs from the browser, injected so tests run in Node with fakes. */
import type { Fetch } from '../core/protocol/client.ts';
import type { VaultStore } from '../core/vault-store.ts';
import type { ManagedArea } from './policy.ts';
import type { SessionStore } from './session.ts';

/** Schedules the auto-lock (an alarm in the extension). */
export interface LockTimer {
  /** Locks at `whenMs` (epoch ms), replacing any earlier schedule. */
  schedule(whenMs: number): Promise<void>;
  cancel(): Promise<void>;
}

export interface Deps {
  vault: VaultStore;
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
}
