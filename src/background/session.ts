/**
 * What lives only in `storage.session` (memory, gone when the browser closes):
 * seeds of unlocked PIN tokens, a provisioned token waiting for its PIN, and
 * the time of the last use for auto-lock. Never in `storage.local`, never logged.
 */
import type { Envelope } from '../core/protocol/messages.ts';
import type { StorageArea } from '../core/vault-store.ts';

/** A token provisioned (its activation is consumed) whose PIN the user has not chosen yet. */
export interface PendingSetup {
  envelope: Envelope;
  /** K_status, base64url. */
  kStatus: string;
  serverUrl: string;
  createdAt: number;
}

const UNLOCKED = 'unlocked';
const PENDING = 'pendingSetup';
const ACTIVITY = 'activityAt';
const CONFIRM_TRIED = 'confirmTriedAt';
const STATUS_TRIED = 'statusTriedAt';

export class SessionStore {
  constructor(private readonly area: StorageArea) {}

  /** The unlocked seeds and the waiting token in one read (the popup's hot path). */
  async snapshot(): Promise<{ unlocked: Record<string, string>; pendingSetup: PendingSetup | null }> {
    const got = await this.area.get([UNLOCKED, PENDING]);
    const unlocked = got[UNLOCKED];
    const pending = got[PENDING];
    return {
      unlocked: typeof unlocked === 'object' && unlocked !== null ? (unlocked as Record<string, string>) : {},
      pendingSetup: typeof pending === 'object' && pending !== null ? (pending as PendingSetup) : null,
    };
  }

  /** Seeds (base64url) of the PIN tokens unlocked in this session, by account id. */
  async unlocked(): Promise<Record<string, string>> {
    const value = (await this.area.get(UNLOCKED))[UNLOCKED];
    return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
  }

  async setUnlocked(id: string, seed: string): Promise<void> {
    await this.area.set({ [UNLOCKED]: { ...(await this.unlocked()), [id]: seed } });
  }

  async forget(id: string): Promise<void> {
    const { [id]: _gone, ...rest } = await this.unlocked();
    await this.area.set({ [UNLOCKED]: rest });
  }

  /** Locks every PIN token. */
  async lockAll(): Promise<void> {
    await this.area.remove(UNLOCKED);
  }

  async pendingSetup(): Promise<PendingSetup | null> {
    const value = (await this.area.get(PENDING))[PENDING];
    return typeof value === 'object' && value !== null ? (value as PendingSetup) : null;
  }

  async setPendingSetup(setup: PendingSetup | null): Promise<void> {
    if (setup === null) await this.area.remove(PENDING);
    else await this.area.set({ [PENDING]: setup });
  }

  async activityAt(): Promise<number | null> {
    const value = (await this.area.get(ACTIVITY))[ACTIVITY];
    return typeof value === 'number' ? value : null;
  }

  async setActivityAt(ms: number): Promise<void> {
    await this.area.set({ [ACTIVITY]: ms });
  }

  /** When each unconfirmed token's confirmation was last retried (epoch ms). */
  async confirmTriedAt(): Promise<Record<string, number>> {
    const value = (await this.area.get(CONFIRM_TRIED))[CONFIRM_TRIED];
    return typeof value === 'object' && value !== null ? (value as Record<string, number>) : {};
  }

  async setConfirmTriedAt(id: string, ms: number): Promise<void> {
    await this.area.set({ [CONFIRM_TRIED]: { ...(await this.confirmTriedAt()), [id]: ms } });
  }

  /** When each token's status (§5) was last asked (epoch ms): at most once a minute from the popup. */
  async statusTriedAt(): Promise<Record<string, number>> {
    const value = (await this.area.get(STATUS_TRIED))[STATUS_TRIED];
    return typeof value === 'object' && value !== null ? (value as Record<string, number>) : {};
  }

  async setStatusTriedAt(ids: string[], ms: number): Promise<void> {
    const tried = await this.statusTriedAt();
    for (const id of ids) tried[id] = ms;
    await this.area.set({ [STATUS_TRIED]: tried });
  }
}
