/**
 * Auto-lock: unlocked PIN tokens lock again after the idle time the user
 * picked (an alarm, so it survives the worker stopping) and when the screen
 * locks (idle.onStateChanged, wired in index.ts).
 */
import type { Settings } from '../core/messages.ts';
import { effectiveAutoFill, effectiveAutoLock } from '../core/policy.ts';
import type { Deps } from './deps.ts';
import { readPolicy } from './policy.ts';

/** Records activity and pushes the auto-lock back, when something is unlocked and a delay is set. */
export async function touchAutoLock(deps: Deps): Promise<void> {
  const now = deps.now();
  await deps.session.setActivityAt(now);
  const [unlocked, settings] = await Promise.all([deps.session.unlocked(), settingsInForce(deps)]);
  if (Object.keys(unlocked).length > 0 && settings.autoLockMinutes > 0) await deps.lockTimer.schedule(now + settings.autoLockMinutes * 60_000);
  else await deps.lockTimer.cancel();
}

/** The user's settings with the policy applied (the auto-lock delay no longer than the organisation allows, auto-fill as it decides). */
export async function settingsInForce(deps: Deps): Promise<Settings> {
  const [{ settings }, policy] = await Promise.all([deps.vault.read(), readPolicy(deps.managed)]);
  return { ...settings, autoLockMinutes: effectiveAutoLock(policy, settings.autoLockMinutes), autoFill: effectiveAutoFill(policy, settings.autoFill) };
}

/** Locks every PIN token now. */
export async function lockNow(deps: Deps): Promise<null> {
  await deps.session.lockAll();
  await deps.lockTimer.cancel();
  return null;
}
