/**
 * The background's round: confirm tokens saved but not confirmed (§4), remove
 * a demo token the organisation no longer allows, ask the servers (§5),
 * finish renewals under way, renew by policy (`autoRenew`), then warn (badge,
 * notifications). Run by the daily alarm and at browser start (every token),
 * and when the popup opens (`status.refresh`: tokens not asked in the last
 * minute). `state.get` writes nothing and asks no server: all of it is here.
 */
import { removeRefusedDemo } from './demo.ts';
import type { Deps } from './deps.ts';
import { confirmPending } from './provisioning.ts';
import { autoRenew, finishPendingRenewals } from './renewal.ts';
import { refreshStatuses } from './status.ts';
import { updateWarnings } from './warnings.ts';

/** The alarm that runs the round once a day; re-created at each worker start if missing. */
export const EXPIRY_ALARM = 'jeton-expiry';
export const EXPIRY_PERIOD_MINUTES = 24 * 60;

/** One round; `force`: ask every token's server, not only those not asked in the last minute. */
export async function expiryRound(deps: Deps, { force }: { force: boolean }): Promise<void> {
  await confirmPending(deps);
  await removeRefusedDemo(deps);
  await refreshStatuses(deps, { force });
  await finishPendingRenewals(deps);
  if ((await autoRenew(deps)).length > 0) await refreshStatuses(deps, { force: true });
  await updateWarnings(deps);
}
