/**
 * The background's answer to every message of the map: the `Handlers` type
 * makes the compiler refuse a missing one.
 */
import { JetonError } from '../core/errors.ts';
import type { MessageName, PopupState, RequestOf, ResponseOf, Settings } from '../core/messages.ts';
import { exportBackup, importBackup, mergeTokens } from '../core/vault-backup.ts';
import { accountView, seedOf } from './accounts.ts';
import { lockNow, touchAutoLock } from './auto-lock.ts';
import { demoToken } from './demo.ts';
import type { Deps } from './deps.ts';
import { addAccount, cancelSetup, confirmToken, setPin, setupView } from './provisioning.ts';
import { unlockAccount } from './unlock.ts';

export type Handlers = { [N in MessageName]: (req: RequestOf<N>) => Promise<ResponseOf<N>> };

const CONFIRM_RETRY_MS = 60_000;

/** Retries the confirmation of saved-but-unconfirmed tokens whose seed is at hand, at most once a minute each. */
async function retryConfirmations(deps: Deps): Promise<void> {
  const vault = await deps.vault.read();
  const unlocked = await deps.session.unlocked();
  const tried = await deps.session.confirmTriedAt();
  const now = deps.now();
  for (const token of vault.tokens) {
    if (token.server?.state !== 'pending') continue;
    const seed = seedOf(token, unlocked);
    if (seed === null || now - (tried[token.id] ?? 0) < CONFIRM_RETRY_MS) continue;
    await deps.session.setConfirmTriedAt(token.id, now);
    await confirmToken(deps, token, seed).catch(() => undefined);
  }
}

async function state(deps: Deps): Promise<PopupState> {
  const [vault, { unlocked, pendingSetup }] = await Promise.all([deps.vault.read(), deps.session.snapshot()]);
  const now = deps.now();
  // Opening the popup is activity: push the auto-lock back, after answering (the popup waits for the codes).
  if (Object.keys(unlocked).length > 0) deps.later(touchAutoLock(deps, { settings: vault.settings, unlocked }));
  if (vault.tokens.some((t) => t.server?.state === 'pending')) deps.later(retryConfirmations(deps));
  return {
    accounts: vault.tokens.map((t) => accountView(t, seedOf(t, unlocked), now)),
    settings: vault.settings,
    demo: vault.tokens.some((t) => t.demo),
    pendingSetup: pendingSetup === null ? null : setupView(pendingSetup),
    now,
  };
}

/** Every message's handler, over the injected dependencies. */
export function createHandlers(deps: Deps): Handlers {
  return {
    'state.get': () => state(deps),
    'account.add': (req) => addAccount(deps, req),
    'account.set-pin': async ({ pin }) => {
      const result = await setPin(deps, pin);
      await touchAutoLock(deps);
      return result;
    },
    'account.cancel-setup': () => cancelSetup(deps),
    'account.unlock': ({ id, pin }) => unlockAccount(deps, id, pin),
    'account.remove': async ({ id }) => {
      // Local only: the server side of a removed token is untouched.
      let found = false;
      await deps.vault.update((v) => {
        found = v.tokens.some((t) => t.id === id);
        return { ...v, tokens: v.tokens.filter((t) => t.id !== id) };
      });
      if (!found) throw new JetonError('not_found', 'No such token.');
      await deps.session.forget(id);
      return null;
    },
    'vault.lock': () => lockNow(deps),
    'settings.set': async (change) => {
      let settings: Settings | undefined;
      await deps.vault.update((v) => {
        settings = { ...v.settings, ...change };
        return { ...v, settings };
      });
      await touchAutoLock(deps);
      return settings!;
    },
    'vault.reset': async () => {
      // Only when the vault cannot be opened: a readable vault is never thrown away this way.
      const readable = await deps.vault.read().then(
        () => true,
        () => false,
      );
      if (readable) throw new JetonError('vault_readable', 'The vault opens: remove tokens one by one instead.');
      await deps.vault.reset();
      await lockNow(deps);
      return null;
    },
    'backup.export': async ({ password }) => exportBackup((await deps.vault.read()).tokens, password, deps.now(), deps.pinIterations),
    'backup.import': async ({ file, password }) => {
      const incoming = await importBackup(file, password);
      let added = 0;
      await deps.vault.update((v) => {
        const merged = mergeTokens(v.tokens, incoming);
        added = merged.added;
        return { ...v, tokens: merged.tokens };
      });
      return { added };
    },
    'demo.set': async ({ enabled }) => {
      await deps.vault.update((v) => {
        const others = v.tokens.filter((t) => !t.demo);
        const demo = v.tokens.filter((t) => t.demo);
        // Idempotent: enabling keeps an existing demo token, disabling removes it.
        return { ...v, tokens: enabled ? [...others, ...(demo.length > 0 ? demo : [demoToken(deps.now())])] : others };
      });
      return null;
    },
  };
}
