/**
 * The §7 lockout of a user: consecutive failed codes, and until when codes are
 * refused. Every change is one conditional UPDATE, so concurrent requests on
 * several instances count exactly. @see PROTOCOL.md §7
 */
import { sql } from 'kysely';
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

/**
 * Counts one failed code for `userId` (users.id). The count restarts after a
 * lock has run out; reaching `maxFailures` locks for `lockoutSeconds`.
 * Returns the new count and whether the user is now locked.
 */
export async function recordLoginFailure(
  tx: Tx,
  now: number,
  userId: number,
  policy: LockoutPolicy,
): Promise<{ failures: number; locked: boolean; retryAfter: number | null }> {
  const until = now + policy.lockoutSeconds * 1000;
  // One statement: the SET expressions all read the row as it was, under the row lock.
  const lapsed = sql<boolean>`(login_locked_until IS NOT NULL AND login_locked_until <= ${now})`;
  const next = sql<number>`(CASE WHEN ${lapsed} THEN 1 ELSE login_failures + 1 END)`;
  const row = await tx
    .updateTable('users')
    .set({
      login_failures: next,
      login_locked_until: sql<number | null>`CASE WHEN ${next} >= ${policy.maxFailures} THEN ${until} WHEN ${lapsed} THEN NULL ELSE login_locked_until END`,
    })
    .where('id', '=', userId)
    .returning(['login_failures', 'login_locked_until'])
    .executeTakeFirst();
  if (!row) return { failures: 0, locked: false, retryAfter: null };
  const retryAfter = lockRemaining(row, now);
  return { failures: row.login_failures, locked: retryAfter !== null, retryAfter };
}

/** Resets the count after an accepted code; writes nothing when there is nothing to reset. */
export async function resetLoginFailures(tx: Tx, userId: number): Promise<void> {
  await tx
    .updateTable('users')
    .set({ login_failures: 0, login_locked_until: null })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('login_failures', '<>', 0), eb('login_locked_until', 'is not', null)]))
    .execute();
}
