/**
 * The background's answer to every message of the map: the `Handlers` type
 * makes the compiler refuse a missing one. The organisation's policy is read
 * where it decides something (settings, demo mode, imports; provisioning in
 * provisioning.ts).
 */
import { JetonError } from '../core/errors.ts';
import type { MessageName, PopupState, RequestOf, ResponseOf } from '../core/messages.ts';
import { allowedLoginOrigins, autoLockChoices, checkLoginOrigins, effectiveAutoFill, PolicyError, type Policy } from '../core/policy.ts';
import type { TokenRecord } from '../core/vault.ts';
import { exportBackup, importBackup, mergeTokens } from '../core/vault-backup.ts';
import { accountView, seedOf } from './accounts.ts';
import { lockNow, settingsInForce, touchAutoLock } from './auto-lock.ts';
import { demoToken } from './demo.ts';
import type { Deps, RootDeps } from './deps.ts';
import { fillHandlers } from './fill.ts';
import { policyView, readPolicy } from './policy.ts';
import { addAccount, cancelSetup, setPin, setupView } from './provisioning.ts';
import type { Caller } from './router.ts';
import { unlockAccount } from './unlock.ts';
import { DEFAULT_WARNING_DAYS } from '../core/expiry.ts';
import { expiryRound } from './expiry.ts';
import { renewAccount } from './renewal.ts';
import { refreshStatuses } from './status.ts';
import { taskDeps } from './task-deps.ts';
import { updateWarnings } from './warnings.ts';

/** `caller` says who sent the message, as the browser reported it (see router.ts); most handlers need not look. */
export type Handlers = { [N in MessageName]: (req: RequestOf<N>, caller: Caller) => Promise<ResponseOf<N>> };

/**
 * What the popup shows: a read, nothing written, no server asked (the popup
 * asks for it at each code change). What an opening sets off is `status.refresh`'s.
 */
async function state(deps: Deps): Promise<PopupState> {
  // One round of reads, side by side: this is the popup's hot path.
  const [vault, { unlocked, pendingSetup }, policy, settings] = await Promise.all([deps.vault.read(), deps.session.snapshot(), readPolicy(deps.managed), settingsInForce(deps)]);
  const now = deps.now();
  // A demo token the organisation no longer allows is hidden here and removed by the round (expiry.ts).
  const tokens = policy.demoAllowed ? vault.tokens : vault.tokens.filter((t) => !t.demo);
  return {
    accounts: tokens.map((t) => {
      const view = accountView(t, seedOf(t, unlocked), now, { offsetMs: vault.clockOffsetMs, warningDays: policy.warningDays ?? DEFAULT_WARNING_DAYS });
      // A policy set after the token was added still decides where codes may go (nowhere when it turned filling off).
      if (view.loginOrigins) view.loginOrigins = policy.fillEnabled ? allowedLoginOrigins(policy, view.loginOrigins) : [];
      return view;
    }),
    settings,
    demo: tokens.some((t) => t.demo),
    policy: policyView(policy),
    pendingSetup: pendingSetup === null ? null : setupView(pendingSetup, policy),
    now,
    clockOffsetMs: vault.clockOffsetMs,
  };
}

/** The backup's tokens the policy accepts (origins narrowed to the allowed ones), and how many it refuses. */
function admitImports(policy: Policy, incoming: TokenRecord[]): { admitted: TokenRecord[]; refused: number } {
  const admitted: TokenRecord[] = [];
  for (const token of incoming) {
    // A forced PIN: a backup's token without one would bypass it.
    if (!token.server || (policy.forcePin && token.secret.type !== 'pin')) continue;
    try {
      admitted.push({ ...token, server: { ...token.server, loginOrigins: checkLoginOrigins(policy, token.server.loginOrigins) } });
    } catch {
      // Not for an allowed login site: refused.
    }
  }
  return { admitted, refused: incoming.length - admitted.length };
}

/** Every message's handler, over one task's dependencies. */
function handlersOver(deps: Deps): Handlers {
  return {
    ...fillHandlers(deps),
    'state.get': () => state(deps),
    'state.waiting': async () => ({ policy: deps.managed.waiting?.() ?? false }),
    'account.add': (req) => addAccount(deps, req),
    'account.set-pin': async ({ pin }) => {
      const result = await setPin(deps, pin);
      await touchAutoLock(deps);
      return result;
    },
    'account.cancel-setup': () => cancelSetup(deps),
    'account.unlock': async ({ id, pin }) => {
      try {
        return await unlockAccount(deps, id, pin);
      } finally {
        // The check may have learnt the token's state (revoked…): the badge follows.
        deps.later(updateWarnings(deps));
      }
    },
    'status.refresh': async () => {
      // Sent once per popup opening, after its first frame: the opening is activity (the auto-lock is pushed back).
      if (Object.keys(await deps.session.unlocked()).length > 0) await touchAutoLock(deps);
      await expiryRound(deps, { force: false });
      return state(deps);
    },
    'account.renew': async ({ id, pin }) => {
      try {
        const result = await renewAccount(deps, id, pin);
        // A PIN typed to renew leaves the token unlocked: the auto-lock applies from now.
        if (pin !== undefined) await touchAutoLock(deps);
        // The new token's state and renewal date, before the popup shows it (a failure here changes nothing).
        if (result.outcome === 'renewed') await refreshStatuses(deps, { force: true }).catch(() => []);
        return result;
      } finally {
        deps.later(expiryRound(deps, { force: false }));
      }
    },
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
      const policy = await readPolicy(deps.managed);
      if (change.autoLockMinutes !== undefined && !autoLockChoices(policy).includes(change.autoLockMinutes)) {
        throw new PolicyError('managed_setting', 'Your organisation does not allow this auto-lock delay.');
      }
      if (change.autoFill !== undefined && change.autoFill !== effectiveAutoFill(policy, change.autoFill)) {
        throw new PolicyError('managed_setting', 'Your organisation decides whether codes are filled automatically.');
      }
      await deps.vault.update((v) => ({ ...v, settings: { ...v.settings, ...change } }));
      await touchAutoLock(deps);
      return settingsInForce(deps);
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
      const { admitted, refused } = admitImports(await readPolicy(deps.managed), await importBackup(file, password));
      let added = 0;
      await deps.vault.update((v) => {
        const merged = mergeTokens(v.tokens, admitted);
        added = merged.added;
        return { ...v, tokens: merged.tokens };
      });
      return { added, refused };
    },
    'demo.set': async ({ enabled }) => {
      // Turning it off is always allowed (it tidies up).
      if (enabled && !(await readPolicy(deps.managed)).demoAllowed) throw new PolicyError('demo_disabled', 'Your organisation turned demonstration mode off.');
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

/**
 * Every message's handler. Each message works on its own view of the stores
 * (task-deps.ts), shared by the handler and all it calls: the vault is opened
 * at most once, the policy and the session read once.
 */
export function createHandlers(root: RootDeps): Handlers {
  const forMessage = <N extends MessageName>(name: N): Handlers[N] => ((req, caller) => handlersOver(taskDeps(root))[name](req, caller)) as Handlers[N];
  const names = Object.keys(handlersOver(root)) as MessageName[];
  return Object.fromEntries(names.map((name) => [name, forMessage(name)])) as Handlers;
}
