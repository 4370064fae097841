/**
 * One task's view of storage (a message, or an alarm's round), shared by its
 * handler and everything it calls: the vault opened at most once, the
 * organisation's policy read once, `storage.session` read once. Every write
 * goes to storage at once, and nothing outlives the task (the worker may stop
 * at any time). Reads stay right when another task writes meanwhile: a vault
 * read checks that storage still holds the write it opened (one `get`, no
 * decryption) and opens the new one otherwise, and the session's
 * read-modify-writes read storage again.
 */
import type { VaultContent } from '../core/vault.ts';
import type { VaultSnapshot, VaultStore } from '../core/vault-store.ts';
import type { Deps, RootDeps, Vault } from './deps.ts';
import type { ManagedArea } from './policy.ts';

/** The vault for one task: opened once, then given back while storage still holds that write (or this task's last). */
class TaskVault implements Vault {
  /** What this task last read or wrote. */
  #last: VaultSnapshot | null = null;
  /** The first opening, while it runs: reads side by side share it. */
  #opening: Promise<VaultSnapshot> | null = null;

  constructor(private readonly store: VaultStore) {}

  async read(): Promise<VaultContent> {
    return (await this.#current()).content;
  }

  async update(change: (content: VaultContent) => VaultContent | Promise<VaultContent>): Promise<VaultContent> {
    const known = this.#last ?? (await this.#opening?.catch(() => null)) ?? null;
    this.#last = await this.store.updateFrom(known, change);
    return this.#last.content;
  }

  async reset(): Promise<void> {
    this.#last = null;
    await this.store.reset();
  }

  async #current(): Promise<VaultSnapshot> {
    const known = this.#last;
    if (known === null) {
      this.#opening ??= this.store.snapshot().finally(() => (this.#opening = null));
      const opened = await this.#opening;
      // A write of this task meanwhile is newer than what was opened.
      return (this.#last ??= opened);
    }
    const now = await this.store.snapshot(known);
    if (this.#last === known) this.#last = now;
    return now;
  }
}

/** The policy area read once (a throw, as Firefox's without a policy, is kept too: readPolicy reads it as "no policy"); whether a read waits is the area's. */
function managedOnce(area: ManagedArea): ManagedArea {
  let read: Promise<Record<string, unknown>> | null = null;
  return { get: () => (read ??= area.get()), waiting: () => area.waiting?.() ?? false };
}

/** The dependencies of one task over `root`'s stores. */
export function taskDeps(root: RootDeps): Deps {
  return { ...root, vault: new TaskVault(root.vault), session: root.session.forTask(), managed: managedOnce(root.managed) };
}
