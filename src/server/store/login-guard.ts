/**
 * The §7 lockout of a user: consecutive failed codes, and until when codes are
 * refused. Every change is one conditional UPDATE, so concurrent requests on
 * several instances count exactly. @see docs/protocol.md §7
 */
import { sql } from 'kysely';
import { prepared } from './prepared.ts';
import type { Tx } from './write-queue.ts';

export interface LockoutPolicy {
  maxFailures: number;
  lockoutSeconds: number;
}

/** Seconds left on a user's lock at `now`, or null when codes are accepted. */
export function lockRemaining(user: { login_locked_until: number | null }, now: number): number | null {
  if (user.login_locked_until === null || user.login_locked_until <= now) return null;
  return Math.max(1, Math.ceil((user.login_locked_until - now) / 1000));
}

/** A user's failure count and lock (prepared: read on every login, see prepared.ts). */
export const selectLockState = prepared((db, userId: number) => db.selectFrom('users').select(['login_failures', 'login_locked_until']).where('id', '=', userId), [-424_242]);

/** Clears a user's failures and lock after an accepted code; writes nothing when there is nothing to clear. */
export const clearLoginFailures = prepared(
  (db, userId: number) =>
    db
      .updateTable('users')
      .set({ login_failures: 0, login_locked_until: null })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('login_failures', '<>', 0), eb('login_locked_until', 'is not', null)])),
  [-424_242],
);

/** What counting a failure did: counted (and maybe locked), or refused because the user was already locked. */
export type FailureCount =
  | { counted: true; failures: number; failuresLeft: number; locked: boolean; retryAfter: number | null }
  | { counted: false; retryAfter: number };

const notLocked = (now: number) => sql<boolean>`(login_locked_until IS NULL OR login_locked_until <= ${now})`;

/**
 * Counts one failed code for `userId` unless the user is locked at `now`: one
 * conditional UPDATE, so the lock check and the count are a single step under
 * the row lock. Of any burst, at most `maxFailures` are counted per lock
 * window; the others learn that the user is locked and were never judged.
 * @see docs/protocol.md §7
 */
export async function countFailureUnlessLocked(tx: Tx, now: number, userId: number, policy: LockoutPolicy): Promise<FailureCount> {
  const until = now + policy.lockoutSeconds * 1000;
  const lapsed = sql<boolean>`(login_locked_until IS NOT NULL AND login_locked_until <= ${now})`;
  const next = sql<number>`(CASE WHEN ${lapsed} THEN 1 ELSE login_failures + 1 END)`;
  const row = await tx
    .updateTable('users')
    .set({
      login_failures: next,
      // The cast gives PostgreSQL the parameter's type, which a CASE with NULL does not.
      login_locked_until: sql<number | null>`CASE WHEN ${next} >= ${policy.maxFailures} THEN CAST(${until} AS BIGINT) ELSE NULL END`,
    })
    .where('id', '=', userId)
    .where(notLocked(now))
    .returning(['login_failures', 'login_locked_until'])
    .executeTakeFirst();
  if (!row) return { counted: false, retryAfter: await lockedFor(tx, now, userId, policy) };
  const retryAfter = lockRemaining(row, now);
  return {
    counted: true,
    failures: row.login_failures,
    failuresLeft: Math.max(0, policy.maxFailures - row.login_failures),
    locked: retryAfter !== null,
    retryAfter,
  };
}

/**
 * Resets the count after an accepted code, only if the user is not locked at
 * `now`; false means locked, and the code must not be accepted. One
 * conditional UPDATE, so a success cannot slip in after a concurrent lock.
 * @see docs/protocol.md §7
 */
export async function clearFailuresUnlessLocked(tx: Tx, now: number, userId: number): Promise<boolean> {
  const row = await tx
    .updateTable('users')
    .set({ login_failures: 0, login_locked_until: null })
    .where('id', '=', userId)
    .where(notLocked(now))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Seconds left on the user's lock as the database has it now (at least 1: the caller found it locked). */
export async function lockedFor(db: Tx, now: number, userId: number, policy: Pick<LockoutPolicy, 'lockoutSeconds'>): Promise<number> {
  const row = await db.selectFrom('users').select('login_locked_until').where('id', '=', userId).executeTakeFirst();
  return (row && lockRemaining(row, now)) ?? Math.max(1, policy.lockoutSeconds);
}

/**
 * Reads a user's lock state inside a write, holding their row on PostgreSQL
 * (`FOR UPDATE`) so no failure is counted for them until the write commits;
 * SQLite's writes are serialised already (write-queue.ts).
 */
export async function lockUserRow(
  tx: Tx,
  dialect: 'sqlite' | 'postgres',
  userId: number,
): Promise<{ login_failures: number; login_locked_until: number | null } | undefined> {
  const query = tx.selectFrom('users').select(['login_failures', 'login_locked_until']).where('id', '=', userId);
  return (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
}
