/**
 * Auto-lock: unlocked PIN tokens lock again after the idle time the user
 * picked (an alarm, so it survives the worker stopping) and when the screen
 * locks (idle.onStateChanged, wired in index.ts).
 */
import type { Deps } from './deps.ts';

/** Records activity and pushes the auto-lock back, when something is unlocked and a delay is set. */
export async function touchAutoLock(deps: Deps): Promise<void> {
  const now = deps.now();
  await deps.session.setActivityAt(now);
  const unlocked = Object.keys(await deps.session.unlocked()).length > 0;
  const { autoLockMinutes } = (await deps.vault.read()).settings;
  if (unlocked && autoLockMinutes > 0) await deps.lockTimer.schedule(now + autoLockMinutes * 60_000);
  else await deps.lockTimer.cancel();
}

/** Locks every PIN token now. */
export async function lockNow(deps: Deps): Promise<null> {
  await deps.session.lockAll();
  await deps.lockTimer.cancel();
  return null;
}
