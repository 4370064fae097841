/**
 * Confirmation: a pending token becomes active with its first right code, or
 * its wrong codes are counted until it is discarded. Every decision two
 * requests could race for is one conditional UPDATE (in one write with the
 * others it goes with). @see docs/protocol.md §4, §7
 */
import type { AppContext } from '../../context.ts';
import type { Token } from '../../db/schema.ts';
import { audit } from '../audit.ts';
import { confirmBatchedPg } from '../pg-batches.ts';
import { prepared } from '../prepared.ts';
import { hitRateLimitInWrite, rateKeys, rateWait, type Bucket, type RateKey } from '../rate-limits.ts';
import { writes, type Tx } from '../write-queue.ts';
import type { AuditFields } from './row.ts';

/** Confirm failures after which a pending token is discarded. @see docs/protocol.md §4 */
const MAX_CONFIRM_FAILURES = 5;

// The confirming code's step becomes the last accepted one (§7: /verify refuses it after);
// a token that has used up its confirmation attempts cannot be confirmed, even by a concurrent right code.
const activatePending = prepared(
  (db, now: number, tokenId: string, step: number) =>
    db
      .updateTable('tokens')
      .set({ state: 'active', confirmed_at: now, last_step: step })
      .where('id', '=', tokenId)
      .where('state', '=', 'pending')
      .where('confirm_failures', '<', MAX_CONFIRM_FAILURES),
  [-424_242, '\u0000token', -424_243],
);

export type ActivateOutcome = 'activated' | 'already_active' | 'gone' | 'stale_renewal';

/**
 * Makes a pending token active; for a renewal, supersedes the token it renews
 * in the same write. A renewal whose old token is no longer active (revoked,
 * or superseded by a concurrent renewal) is dropped instead. `step`, the
 * confirming code's, is recorded as the token's last accepted step.
 * @see docs/protocol.md §4, §7
 */
async function activateToken(tx: Tx, now: number, token: Pick<Token, 'id' | 'renews_token_id'>, step: number): Promise<ActivateOutcome> {
  const done = await activatePending(tx, now, token.id, step);
  if (!done.numAffectedRows) {
    const row = await tx.selectFrom('tokens').select('state').where('id', '=', token.id).executeTakeFirst();
    return row?.state === 'active' ? 'already_active' : 'gone';
  }
  if (token.renews_token_id === null) return 'activated';
  const old = await tx
    .updateTable('tokens')
    .set({ state: 'superseded' })
    .where('id', '=', token.renews_token_id)
    .where('state', '=', 'active')
    .executeTakeFirst();
  if (old.numUpdatedRows > 0n) return 'activated';
  await tx.deleteFrom('tokens').where('id', '=', token.id).execute();
  return 'stale_renewal';
}

/** `activateToken` with the `token.confirmed` audit row when it activated, in the same write. */
async function activateAudited(tx: Tx, now: number, token: Pick<Token, 'id' | 'renews_token_id'>, step: number, entry: AuditFields): Promise<ActivateOutcome> {
  const outcome = await activateToken(tx, now, token, step);
  if (outcome === 'activated') await audit({ db: tx, now: () => now }, 'token.confirmed', entry);
  return outcome;
}

/**
 * Counts a wrong code at confirmation, only while the pending token has
 * attempts left (one conditional UPDATE: of a burst, at most
 * MAX_CONFIRM_FAILURES are counted); the token is discarded (deleted, with its
 * secrets) at the last one. Returns 'counted', 'discarded' (this failure used
 * up the attempts) or 'gone' (nothing to count: no attempt was left).
 * @see docs/protocol.md §4
 */
export async function countConfirmFailure(tx: Tx, tokenId: string): Promise<'counted' | 'discarded' | 'gone'> {
  const row = await tx
    .updateTable('tokens')
    .set((eb) => ({ confirm_failures: eb('confirm_failures', '+', 1) }))
    .where('id', '=', tokenId)
    .where('state', '=', 'pending')
    .where('confirm_failures', '<', MAX_CONFIRM_FAILURES)
    .returning('confirm_failures')
    .executeTakeFirst();
  if (!row) return 'gone';
  if (row.confirm_failures < MAX_CONFIRM_FAILURES) return 'counted';
  await discardPendingToken(tx, tokenId);
  return 'discarded';
}

/** Deletes a pending token (never an active one). */
export async function discardPendingToken(tx: Tx, tokenId: string): Promise<void> {
  await tx.deleteFrom('tokens').where('id', '=', tokenId).where('state', '=', 'pending').execute();
}

/**
 * Confirms a pending token with its `token.confirmed` audit row, atomically;
 * a renewal supersedes the token it renews in the same write. The confirming
 * code's `step` counts as the token's last accepted one. @see docs/protocol.md §4, §7
 */
export async function confirmPending(
  ctx: Pick<AppContext, 'db' | 'dialect'>,
  now: number,
  token: Pick<Token, 'id' | 'renews_token_id'>,
  step: number,
  entry: AuditFields,
): Promise<ActivateOutcome> {
  if (ctx.dialect === 'postgres' && token.renews_token_id === null) {
    // No rate-limit keys: never limited.
    return (await confirmFirstTokenPg(ctx, now, token.id, step, entry, [])).outcome ?? 'gone';
  }
  return writes(ctx).run((tx) => activateAudited(tx, now, token, step, entry));
}

/**
 * Counts the request's rate-limit hits and confirms the token together; the
 * token is activated only when no limit is passed. `wait` is the seconds to
 * wait when one was (nothing else was written then). On SQLite, one write
 * (hits, activation and audit row commit together); on PostgreSQL, for a
 * first token (not a renewal), one statement shared with the confirmations
 * arriving together. Null for a PostgreSQL renewal: count the hits first,
 * then `confirmPending`. @see docs/protocol.md §1, §4
 */
export async function confirmWithinLimits(
  ctx: Pick<AppContext, 'db' | 'dialect' | 'config'>,
  now: number,
  token: Pick<Token, 'id' | 'renews_token_id'>,
  step: number,
  entry: AuditFields,
  limit: { bucket: Bucket; ip: string },
): Promise<{ outcome: ActivateOutcome; wait: null } | { outcome: null; wait: number } | null> {
  const keys = rateKeys(ctx, limit.bucket, { ip: limit.ip, user: entry.username }, now);
  if (ctx.dialect === 'sqlite') {
    return writes(ctx).run(async (tx) => {
      const wait = await hitRateLimitInWrite(tx, keys, now);
      if (wait !== null) return { outcome: null, wait };
      return { outcome: await activateAudited(tx, now, token, step, entry), wait: null };
    });
  }
  if (token.renews_token_id !== null) return null;
  return confirmFirstTokenPg(ctx, now, token.id, step, entry, keys);
}

async function confirmFirstTokenPg(
  ctx: Pick<AppContext, 'db'>,
  now: number,
  tokenId: string,
  step: number,
  entry: AuditFields,
  limits: RateKey[],
): Promise<{ outcome: ActivateOutcome; wait: null } | { outcome: null; wait: number }> {
  const confirmation = { maxFailures: MAX_CONFIRM_FAILURES, now, tokenId, step, username: entry.username, ip: entry.ip, detail: JSON.stringify(entry.detail), limits };
  const done = await confirmBatchedPg(ctx.db, confirmation);
  if (done.activated) return { outcome: 'activated', wait: null };
  const wait = rateWait(limits, done.counted, now);
  if (wait !== null) return { outcome: null, wait };
  // Nothing written: tell a token confirmed by a concurrent request from one that is gone.
  const row = await ctx.db.selectFrom('tokens').select('state').where('id', '=', tokenId).executeTakeFirst();
  return { outcome: row?.state === 'active' ? 'already_active' : 'gone', wait: null };
}
