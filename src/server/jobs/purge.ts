/**
 * Purge: erases what has outlived its use. Expired activations lose K_ac,
 * pending tokens never confirmed within the activation validity go, and so do
 * ended portal sessions, identity locks that have run out and the counts of
 * rate-limit windows that are over. Idempotent, so
 * several instances may run it at once.
 */
import type { AppContext } from '../context.ts';
import { audit } from '../store/audit.ts';
import { purgeRateLimits } from '../store/rate-limits.ts';
import { purgeStalePending } from '../store/tokens/revoke.ts';

export interface PurgeReport {
  activations: number;
  pendingTokens: number;
  sessions: number;
  identityLocks: number;
  rateLimits: number;
}

export async function purge(ctx: AppContext): Promise<PurgeReport> {
  const now = ctx.now();
  const activations = await ctx.db
    .updateTable('activations')
    .set({ k_ac: null })
    .where('expires_at', '<=', now)
    .where('k_ac', 'is not', null)
    .executeTakeFirst();
  const pendingTokens = await purgeStalePending(ctx);
  const sessions = await ctx.db.deleteFrom('portal_sessions').where('expires_at', '<=', now).executeTakeFirst();
  const identityLocks = await ctx.db
    .deleteFrom('identity_attempts')
    .where('locked_until', 'is not', null)
    .where('locked_until', '<=', now)
    .executeTakeFirst();
  const report: PurgeReport = {
    activations: Number(activations.numUpdatedRows),
    pendingTokens,
    sessions: Number(sessions.numDeletedRows),
    identityLocks: Number(identityLocks.numDeletedRows),
    rateLimits: await purgeRateLimits(ctx),
  };
  // Rate-limit rows come and go all day: they alone do not make an audit row.
  if (report.activations + report.pendingTokens + report.sessions + report.identityLocks > 0) {
    await audit(ctx, 'purge', { detail: { ...report } });
  }
  return report;
}
