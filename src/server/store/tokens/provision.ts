/**
 * Provisioning: an activation consumed and its pending token stored, or a
 * wrong proof counted against the activation. Of concurrent consumptions of
 * one activation exactly one succeeds: one conditional UPDATE (SQLite) or one
 * statement for the batch (PostgreSQL, pg-batches.ts). @see docs/protocol.md §3
 */
import type { AppContext } from '../../context.ts';
import type { NewToken } from '../../db/schema.ts';
import { audit } from '../audit.ts';
import { provisionBatchedPg } from '../pg-batches.ts';
import { prepared } from '../prepared.ts';
import { writes, type Tx } from '../write-queue.ts';
import { NEW_TOKEN_COLUMNS, type AuditFields } from './row.ts';

/**
 * Counts a wrong proof against an activation; an open one reaching
 * `maxAttempts` is burned (locked, K_ac erased). Returns true when this
 * failure burned it. Run inside a write (see write-queue.ts).
 */
export async function countActivationFailure(tx: Tx, activationId: number, maxAttempts: number): Promise<boolean> {
  const counted = await tx
    .updateTable('activations')
    .set((eb) => ({ failures: eb('failures', '+', 1) }))
    .where('id', '=', activationId)
    .returning(['failures', 'state'])
    .executeTakeFirst();
  if (!counted || counted.state !== 'open' || counted.failures < maxAttempts) return false;
  const burned = await tx.updateTable('activations').set({ state: 'locked', k_ac: null }).where('id', '=', activationId).where('state', '=', 'open').executeTakeFirst();
  return burned.numUpdatedRows > 0n;
}

const takeActivation = prepared(
  (db, now: number, tokenId: string, activationId: number) =>
    db
      .updateTable('activations')
      .set({ state: 'used', used_at: now, token_id: tokenId })
      .where('id', '=', activationId)
      .where('state', '=', 'open')
      .where('expires_at', '>', now),
  [-424_242, '\u0000token', -434_343],
);

// A new token's row, its columns in NEW_TOKEN_COLUMNS order (one placeholder each).
const insertToken = prepared(
  (db, ...values: unknown[]) => db.insertInto('tokens').values(Object.fromEntries(NEW_TOKEN_COLUMNS.map((c, i) => [c, values[i]])) as NewToken),
  NEW_TOKEN_COLUMNS.map((c) => `\u0000${c}`),
);

export type ConsumeOutcome = 'provisioned' | 'used' | 'expired' | 'locked';

/**
 * Consumes an open, unexpired activation and stores its pending token, in one
 * write: of concurrent callers exactly one gets 'provisioned'; the others
 * learn why not. @see docs/protocol.md §3
 */
async function consumeActivation(tx: Tx, now: number, activationId: number, token: NewToken): Promise<ConsumeOutcome> {
  const taken = await takeActivation(tx, now, token.id, activationId);
  if (!taken.numAffectedRows) {
    const row = await tx.selectFrom('activations').select(['state', 'expires_at']).where('id', '=', activationId).executeTakeFirst();
    if (!row || row.state === 'used') return 'used';
    if (row.state === 'locked') return 'locked';
    return 'expired';
  }
  await insertToken(tx, ...NEW_TOKEN_COLUMNS.map((c) => token[c] ?? null));
  return 'provisioned';
}


/**
 * Consumes an open, unexpired activation, stores its pending token and the
 * `token.provisioned` audit row, atomically: of concurrent callers exactly one
 * gets 'provisioned', the others learn why not. @see docs/protocol.md §3
 */
export async function provisionToken(
  ctx: Pick<AppContext, 'db' | 'dialect'>,
  now: number,
  activationId: number,
  token: NewToken,
  entry: AuditFields,
): Promise<ConsumeOutcome> {
  if (ctx.dialect === 'postgres') {
    // Consumption, token and audit row in one statement, shared with the provisionings arriving together.
    if (await provisionBatchedPg(ctx.db, { now, activationId, token, username: entry.username, ip: entry.ip, detail: JSON.stringify(entry.detail) })) return 'provisioned';
    // Nothing written: say why (the state can only have moved on from 'open').
    const row = await ctx.db.selectFrom('activations').select('state').where('id', '=', activationId).executeTakeFirst();
    return !row || row.state === 'used' ? 'used' : row.state === 'locked' ? 'locked' : 'expired';
  }
  return writes(ctx).run(async (tx) => {
    const outcome = await consumeActivation(tx, now, activationId, token);
    if (outcome === 'provisioned') await audit({ db: tx, now: () => now }, 'token.provisioned', entry);
    return outcome;
  });
}
