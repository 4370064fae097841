/**
 * Auto-lock: unlocked PIN tokens lock again after the idle time the user
 * picked (an alarm, so it survives the worker stopping) and when the screen
 * locks (idle.onStateChanged, wired in index.ts).
 */
import type { Settings } from '../core/messages.ts';
import type { Deps } from './deps.ts';

/** Records activity and pushes the auto-lock back, when something is unlocked and a delay is set. */
export async function touchAutoLock(deps: Deps, known?: { settings: Settings; unlocked: Record<string, string> }): Promise<void> {
  const now = deps.now();
  await deps.session.setActivityAt(now);
  const unlocked = Object.keys(known?.unlocked ?? (await deps.session.unlocked())).length > 0;
  const { autoLockMinutes } = known?.settings ?? (await deps.vault.read()).settings;
  if (unlocked && autoLockMinutes > 0) await deps.lockTimer.schedule(now + autoLockMinutes * 60_000);
  else await deps.lockTimer.cancel();
}

/** Locks every PIN token now. */
export async function lockNow(deps: Deps): Promise<null> {
  await deps.session.lockAll();
  await deps.lockTimer.cancel();
  return null;
}
