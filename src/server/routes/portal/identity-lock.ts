/**
 * The identity step's lockout: 3 wrong answers lock a username (known or not)
 * for 15 minutes. The lock check and the count (or the pass) are one atomic
 * statement, so concurrent answers on several instances cannot slip past the
 * limit, and a right answer is not accepted once the lock is recorded.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Tx } from '../../store/write-queue.ts';

export const IDENTITY_MAX_FAILURES = 3;
export const IDENTITY_LOCK_MS = 15 * 60_000;

/** Milliseconds the username stays locked; 0 when it is not. */
export async function identityLockedFor(ctx: AppContext, username: string): Promise<number> {
  const row = await ctx.db.selectFrom('identity_attempts').select('locked_until').where('username', '=', username).executeTakeFirst();
  return row?.locked_until ? Math.max(0, row.locked_until - ctx.now()) : 0;
}

const notLocked = (now: number) =>
  sql<boolean>`(identity_attempts.locked_until IS NULL OR identity_attempts.locked_until <= CAST(${now} AS bigint))`;

/**
 * Counts one wrong answer unless the username is locked: one conditional
 * upsert, so the lock check and the count are a single step and a burst
 * cannot count (or be answered) past the limit. Returns the failures so far
 * and the lock's end if this one locked it, or `locked` with the lock's end
 * when it was locked already (nothing counted).
 */
export async function recordIdentityFailure(
  db: Tx,
  now: number,
  username: string,
): Promise<{ locked: false; failures: number; lockedUntil: number | null } | { locked: true; lockedUntil: number }> {
  const lockUntil = now + IDENTITY_LOCK_MS;
  // A lock that has run out starts a fresh count.
  const stale = sql<boolean>`(identity_attempts.locked_until IS NOT NULL AND identity_attempts.locked_until <= CAST(${now} AS bigint))`;
  const next = sql<number>`(CASE WHEN ${stale} THEN 1 ELSE identity_attempts.failures + 1 END)`;
  const row = await db
    .insertInto('identity_attempts')
    .values({ username, failures: 1, locked_until: IDENTITY_MAX_FAILURES <= 1 ? lockUntil : null })
    .onConflict((oc) =>
      oc
        .column('username')
        .doUpdateSet({
          failures: next,
          locked_until: sql<number | null>`(CASE WHEN ${next} >= ${IDENTITY_MAX_FAILURES} THEN CAST(${lockUntil} AS bigint) ELSE NULL END)`,
        })
        .where(notLocked(now)),
    )
    .returning(['failures', 'locked_until'])
    .executeTakeFirst();
  if (!row) return { locked: true, lockedUntil: await lockEnd(db, username, now) };
  return { locked: false, failures: Number(row.failures), lockedUntil: row.locked_until === null ? null : Number(row.locked_until) };
}

/**
 * A right answer clears the count, unless the username is locked (one
 * conditional upsert, like the count): false means locked, and the answer
 * must not let the visitor in.
 */
export async function passIdentityCheck(db: Tx, now: number, username: string): Promise<boolean> {
  const row = await db
    .insertInto('identity_attempts')
    .values({ username, failures: 0, locked_until: null })
    .onConflict((oc) => oc.column('username').doUpdateSet({ failures: 0, locked_until: null }).where(notLocked(now)))
    .returning('failures')
    .executeTakeFirst();
  return row !== undefined;
}

async function lockEnd(db: Tx, username: string, now: number): Promise<number> {
  const row = await db.selectFrom('identity_attempts').select('locked_until').where('username', '=', username).executeTakeFirst();
  return row?.locked_until ? Number(row.locked_until) : now + IDENTITY_LOCK_MS;
}
