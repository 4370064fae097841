/** Logins: a right code's time step accepted once, unless the user is locked. @see docs/protocol.md §7 */
import type { AppContext } from '../../context.ts';
import { insertAudit } from '../audit.ts';
import { clearLoginFailures, lockRemaining, selectLockState } from '../login-guard.ts';
import { acceptLoginBatchedPg } from '../pg-batches.ts';
import { prepared } from '../prepared.ts';
import { writes, type Tx } from '../write-queue.ts';

/**
 * Records `step` as the token's last accepted time step if it is later than
 * the one recorded: true for exactly one of concurrent callers with one code.
 * @see docs/protocol.md §7
 */
export async function acceptStep(tx: Tx, tokenId: string, step: number): Promise<boolean> {
  return Boolean((await recordStep(tx, tokenId, step)).numAffectedRows);
}

const recordStep = prepared(
  (db, tokenId: string, step: number) =>
    db.updateTable('tokens').set({ last_step: step }).where('id', '=', tokenId).where('state', '=', 'active').where('last_step', '<', step),
  ['\u0000token', -424_242],
);

/** Why a right code was not accepted: the user is locked, or a concurrent request took this step first. */
export type AcceptOutcome = 'accepted' | 'locked' | 'taken';

/**
 * Accepts a login code's time step for a token, unless its user is locked:
 * the lock check, the step, the reset of the user's failures and the
 * `login.ok` audit row are one atomic write. Of concurrent callers with one
 * code, exactly one gets 'accepted'; nothing is accepted once a concurrent
 * failure has locked the user. @see docs/protocol.md §7
 */
export async function acceptLogin(
  ctx: Pick<AppContext, 'db' | 'dialect'>,
  login: { userId: number; tokenId: string; step: number; at: number; username: string; ip: string | null; detail: Record<string, string | number | boolean | null> },
): Promise<AcceptOutcome> {
  const detail = JSON.stringify(login.detail);
  if (ctx.dialect === 'postgres') {
    // The lock check, the step, the reset and the audit row in one statement, shared with the logins arriving together.
    if (await acceptLoginBatchedPg(ctx.db, { userId: login.userId, at: login.at, tokenId: login.tokenId, step: login.step, username: login.username, ip: login.ip, detail })) {
      return 'accepted';
    }
    // Nothing written: tell a lock from a lost race (only on this rare path).
    const user = (await selectLockState(ctx.db, login.userId)).rows[0];
    return user && lockRemaining(user, login.at) !== null ? 'locked' : 'taken';
  }
  // SQLite: writes are serialised (write-queue.ts), so the read inside the write is the
  // state the write sees. The statements run synchronously: no promise or lock each.
  return writes(ctx).run(async () => {
    const user = selectLockState.sync(ctx.db, login.userId).rows[0];
    if (!user || lockRemaining(user, login.at) !== null) return 'locked';
    if (!recordStep.sync(ctx.db, login.tokenId, login.step).changes) return 'taken';
    if (user.login_failures !== 0 || user.login_locked_until !== null) clearLoginFailures.sync(ctx.db, login.userId);
    insertAudit.sync(ctx.db, login.at, 'login.ok', login.username, login.ip, detail);
    return 'accepted';
  });
}
