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

const KEYS = [UNLOCKED, PENDING, ACTIVITY, CONFIRM_TRIED, STATUS_TRIED];

const record = <T>(value: unknown): Record<string, T> => (typeof value === 'object' && value !== null ? (value as Record<string, T>) : {});

export class SessionStore {
  /** One task's reads (see `forTask`): every key, read in one `get` the first time one is needed; null: read at each call. */
  #read: Promise<Record<string, unknown>> | null = null;

  constructor(
    private readonly area: StorageArea,
    private readonly memo = false,
  ) {}

  /**
   * This store for one task (a message, an alarm's round): the session is read
   * once, and later reads see that read and this task's own writes. A
   * read-modify-write reads storage again, so that two tasks at once do not
   * undo each other's change.
   */
  forTask(): SessionStore {
    return new SessionStore(this.area, true);
  }

  async #get(key: string): Promise<unknown> {
    if (!this.memo) return (await this.area.get(key))[key];
    this.#read ??= this.area.get(KEYS);
    return structuredClone((await this.#read)[key]);
  }

  /** For a read-modify-write: what storage holds now (one task's later reads start from it too). */
  async #fresh(key: string): Promise<unknown> {
    if (!this.memo) return (await this.area.get(key))[key];
    const now = this.area.get(KEYS);
    this.#read = now;
    return structuredClone((await now)[key]);
  }

  async #set(key: string, value: unknown): Promise<void> {
    await this.area.set({ [key]: value });
    if (this.#read) (await this.#read)[key] = structuredClone(value);
  }

  async #remove(key: string): Promise<void> {
    await this.area.remove(key);
    if (this.#read) delete (await this.#read)[key];
  }

  /** The unlocked seeds and the waiting token (one read for a task: the popup's hot path). */
  async snapshot(): Promise<{ unlocked: Record<string, string>; pendingSetup: PendingSetup | null }> {
    const [unlocked, pendingSetup] = await Promise.all([this.unlocked(), this.pendingSetup()]);
    return { unlocked, pendingSetup };
  }

  /** Seeds (base64url) of the PIN tokens unlocked in this session, by account id. */
  async unlocked(): Promise<Record<string, string>> {
    return record<string>(await this.#get(UNLOCKED));
  }

  async setUnlocked(id: string, seed: string): Promise<void> {
    await this.#set(UNLOCKED, { ...record<string>(await this.#fresh(UNLOCKED)), [id]: seed });
  }

  async forget(id: string): Promise<void> {
    const { [id]: _gone, ...rest } = record<string>(await this.#fresh(UNLOCKED));
    await this.#set(UNLOCKED, rest);
  }

  /** Locks every PIN token. */
  async lockAll(): Promise<void> {
    await this.#remove(UNLOCKED);
  }

  async pendingSetup(): Promise<PendingSetup | null> {
    const value = await this.#get(PENDING);
    return typeof value === 'object' && value !== null ? (value as PendingSetup) : null;
  }

  async setPendingSetup(setup: PendingSetup | null): Promise<void> {
    if (setup === null) await this.#remove(PENDING);
    else await this.#set(PENDING, setup);
  }

  async activityAt(): Promise<number | null> {
    const value = await this.#get(ACTIVITY);
    return typeof value === 'number' ? value : null;
  }

  async setActivityAt(ms: number): Promise<void> {
    await this.#set(ACTIVITY, ms);
  }

  /** When each unconfirmed token's confirmation was last retried (epoch ms). */
  async confirmTriedAt(): Promise<Record<string, number>> {
    return record<number>(await this.#get(CONFIRM_TRIED));
  }

  async setConfirmTriedAt(id: string, ms: number): Promise<void> {
    await this.#set(CONFIRM_TRIED, { ...record<number>(await this.#fresh(CONFIRM_TRIED)), [id]: ms });
  }

  /** When each token's status (§5) was last asked (epoch ms): at most once a minute from the popup. */
  async statusTriedAt(): Promise<Record<string, number>> {
    return record<number>(await this.#get(STATUS_TRIED));
  }

  async setStatusTriedAt(ids: string[], ms: number): Promise<void> {
    const tried = record<number>(await this.#fresh(STATUS_TRIED));
    for (const id of ids) tried[id] = ms;
    await this.#set(STATUS_TRIED, tried);
  }
}
