/**
 * The expiry round: ask the servers (§5), finish renewals under way, renew
 * by policy (`autoRenew`), then warn (badge, notifications). Run by the daily
 * alarm (every token) and when the popup opens (tokens not asked in the last
 * minute).
 */
import type { Deps } from './deps.ts';
import { autoRenew, finishPendingRenewals } from './renewal.ts';
import { refreshStatuses } from './status.ts';
import { updateWarnings } from './warnings.ts';

/** The alarm that runs the round once a day; re-created at each worker start if missing. */
export const EXPIRY_ALARM = 'jeton-expiry';
export const EXPIRY_PERIOD_MINUTES = 24 * 60;

/** One round; `force`: ask every token's server, not only those not asked in the last minute. */
export async function expiryRound(deps: Deps, { force }: { force: boolean }): Promise<void> {
  await refreshStatuses(deps, { force });
  await finishPendingRenewals(deps);
  if ((await autoRenew(deps)).length > 0) await refreshStatuses(deps, { force: true });
  await updateWarnings(deps);
}
