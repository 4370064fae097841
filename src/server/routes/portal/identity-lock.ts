/**
 * The identity step's lockout: 3 wrong answers lock a username (known or not)
 * for 15 minutes. Counted in one atomic statement, so concurrent wrong answers
 * on several instances cannot slip past the limit.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';

export const IDENTITY_MAX_FAILURES = 3;
export const IDENTITY_LOCK_MS = 15 * 60_000;

/** Milliseconds the username stays locked; 0 when it is not. */
export async function identityLockedFor(ctx: AppContext, username: string): Promise<number> {
  const row = await ctx.db.selectFrom('identity_attempts').select('locked_until').where('username', '=', username).executeTakeFirst();
  return row?.locked_until ? Math.max(0, row.locked_until - ctx.now()) : 0;
}

/** Counts one wrong answer; returns the failures so far and the lock's end, if this locked it. */
export async function recordIdentityFailure(ctx: AppContext, username: string): Promise<{ failures: number; lockedUntil: number | null }> {
  const now = ctx.now();
  const lockUntil = now + IDENTITY_LOCK_MS;
  // A lock that has run out starts a fresh count.
  const stale = sql<boolean>`(identity_attempts.locked_until IS NOT NULL AND identity_attempts.locked_until <= CAST(${now} AS bigint))`;
  const next = sql<number>`(CASE WHEN ${stale} THEN 1 ELSE identity_attempts.failures + 1 END)`;
  const row = await ctx.db
    .insertInto('identity_attempts')
    .values({ username, failures: 1, locked_until: IDENTITY_MAX_FAILURES <= 1 ? lockUntil : null })
    .onConflict((oc) =>
      oc.column('username').doUpdateSet({
        failures: next,
        locked_until: sql<number | null>`(CASE WHEN ${next} >= ${IDENTITY_MAX_FAILURES} THEN CAST(${lockUntil} AS bigint) ELSE NULL END)`,
      }),
    )
    .returning(['failures', 'locked_until'])
    .executeTakeFirstOrThrow();
  return { failures: Number(row.failures), lockedUntil: row.locked_until === null ? null : Number(row.locked_until) };
}

export async function clearIdentityFailures(ctx: AppContext, username: string): Promise<void> {
  await ctx.db.deleteFrom('identity_attempts').where('username', '=', username).execute();
}
