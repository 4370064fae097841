/**
 * Tokens: provisioning (consuming an activation), confirmation, renewal,
 * revocation, and the §7 replay guard. Every decision that two requests could
 * race for is one conditional UPDATE (inside a transaction when it goes with
 * other writes), so it holds across instances sharing one database.
 * @see PROTOCOL.md §3–§7
 */
import type { AppContext } from '../context.ts';
import type { Activation, NewToken, Token } from '../db/schema.ts';
import type { Profile } from '../config.ts';
import { audit } from './audit.ts';
import { lockRemaining, resetLoginFailures } from './login-guard.ts';
import { acceptLoginBatchedPg, confirmBatchedPg, findTokenPg, provisionBatchedPg, provisionReadsPg } from './pg-batches.ts';
import { prepared } from './prepared.ts';
import { hitRateLimit, rateKeys, rateWait, type Bucket, type RateKey } from './rate-limits.ts';
import { writes, type Tx } from './write-queue.ts';

type Ctx = Pick<AppContext, 'db' | 'now' | 'dialect'>;

/** Where a sealed seed and K_status belong: sealed values cannot move to another row or column. */
export const seedContext = (tokenId: string): string => `tokens.seed:${tokenId}`;
export const kStatusContext = (tokenId: string): string => `tokens.k_status:${tokenId}`;

/** Confirm failures after which a pending token is discarded. @see PROTOCOL.md §4 */
export const MAX_CONFIRM_FAILURES = 5;

/** A token with its owner's canonical user ID and §7 lock state. */
export type TokenWithUser = Token & { username: string; login_failures: number; login_locked_until: number | null };

/** The protocol's status of a stored token at `now`. @see PROTOCOL.md §5 */
export function tokenStatus(token: Pick<Token, 'state' | 'expires_at'>, now: number): 'pending' | 'active' | 'superseded' | 'revoked' | 'expired' {
  if (token.state === 'active' && token.expires_at <= now) return 'expired';
  return token.state;
}

/** A pending token not confirmed within the activation validity counts as discarded. @see PROTOCOL.md §3 */
export const pendingDeadline = (token: Pick<Token, 'issued_at'>, profile: Pick<Profile, 'activationValidityHours'>): number =>
  token.issued_at + profile.activationValidityHours * 3_600_000;

const selectToken = prepared(
  (db, tokenId: string) =>
    db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('tokens')
      .select(['users.username', 'users.login_failures', 'users.login_locked_until'])
      .where('tokens.id', '=', tokenId),
  ['\u0000token'],
);

export async function findToken(ctx: Ctx, tokenId: string): Promise<TokenWithUser | undefined> {
  if (ctx.dialect === 'postgres') return findTokenPg(ctx.db, tokenId);
  return (await selectToken(ctx.db, tokenId)).rows[0];
}

/** The newest activation of (profile, user), with its owner; undefined when there is none. @see PROTOCOL.md §3 */
const selectNewestActivation = prepared(
  (db, profile: string, username: string) =>
    db
      .selectFrom('activations')
      .innerJoin('users', 'users.id', 'activations.user_id')
      .selectAll('activations')
      .where('users.username', '=', username)
      .where('activations.profile', '=', profile)
      .orderBy('activations.id', 'desc')
      .limit(1),
  ['\u0000profile', '\u0000username'],
);

/**
 * Counts a provisioning request against its rate limits (`limit.bucket`, per
 * address and user) and reads the newest activation of (profile, user)
 * together: one statement on PostgreSQL, shared with the requests arriving
 * together; two at once on SQLite. `wait` is the seconds to wait when a limit
 * was passed: the caller then answers that and nothing else. @see PROTOCOL.md §1, §3
 */
export async function newestActivationCounted(
  ctx: Ctx & Pick<AppContext, 'config'>,
  profile: string,
  username: string,
  limit: { bucket: Bucket; ip: string },
): Promise<{ wait: number | null; activation: Activation | undefined }> {
  if (ctx.dialect === 'postgres') {
    const now = ctx.now();
    const keys = rateKeys(ctx, limit.bucket, { ip: limit.ip, user: username }, now);
    const { counted, activation } = await provisionReadsPg(ctx.db, { hits: keys, profile, username });
    return { wait: rateWait(keys, counted, now), activation };
  }
  const [wait, found] = await Promise.all([hitRateLimit(ctx, limit.bucket, { ip: limit.ip, user: username }), selectNewestActivation(ctx.db, profile, username)]);
  return { wait, activation: found.rows[0] };
}

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

export type ConsumeOutcome = 'provisioned' | 'used' | 'expired' | 'locked';

/**
 * Consumes an open, unexpired activation and stores its pending token, in one
 * write: of concurrent callers exactly one gets 'provisioned'; the others
 * learn why not. @see PROTOCOL.md §3
 */
export async function consumeActivation(tx: Tx, now: number, activationId: number, token: NewToken): Promise<ConsumeOutcome> {
  const taken = await takeActivation(tx, now, token.id, activationId);
  if (!taken.numAffectedRows) {
    const row = await tx.selectFrom('activations').select(['state', 'expires_at']).where('id', '=', activationId).executeTakeFirst();
    if (!row || row.state === 'used') return 'used';
    if (row.state === 'locked') return 'locked';
    return 'expired';
  }
  await insertPendingToken(tx, token.id, token.user_id, token.profile, token.activation_id ?? null, token.device_name, token.seed, token.k_status, token.algorithm, token.digits, token.period, token.issued_at, token.expires_at);
  return 'provisioned';
}

const insertPendingToken = prepared(
  (
    db,
    id: string,
    userId: number,
    profile: string,
    activationId: number | null,
    deviceName: string,
    seed: string,
    kStatus: string,
    algorithm: NewToken['algorithm'],
    digits: number,
    period: number,
    issuedAt: number,
    expiresAt: number,
  ) =>
    db.insertInto('tokens').values({
      id,
      user_id: userId,
      profile,
      activation_id: activationId,
      renews_token_id: null,
      device_name: deviceName,
      seed,
      k_status: kStatus,
      algorithm,
      digits,
      period,
      state: 'pending',
      issued_at: issuedAt,
      expires_at: expiresAt,
      confirmed_at: null,
      revoked_at: null,
    }),
  ['\u0000id', -424_241, '\u0000profile', -424_242, '\u0000device', '\u0000seed', '\u0000kstatus', '\u0000algorithm' as NewToken['algorithm'], -424_243, -424_244, -424_245, -424_246],
);

/**
 * Stores a renewal (a pending token that names the token it renews). An
 * earlier pending renewal of the same token is dropped: only the newest can
 * be confirmed. @see PROTOCOL.md §6
 */
export async function insertRenewal(tx: Tx, token: NewToken & { renews_token_id: string }): Promise<void> {
  await tx.deleteFrom('tokens').where('renews_token_id', '=', token.renews_token_id).where('state', '=', 'pending').execute();
  await tx.insertInto('tokens').values(token).execute();
}

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
 * @see PROTOCOL.md §4, §7
 */
export async function activateToken(tx: Tx, now: number, token: Pick<Token, 'id' | 'renews_token_id'>, step: number): Promise<ActivateOutcome> {
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

/**
 * Counts a wrong code at confirmation, only while the pending token has
 * attempts left (one conditional UPDATE: of a burst, at most
 * MAX_CONFIRM_FAILURES are counted); the token is discarded (deleted, with its
 * secrets) at the last one. Returns 'counted', 'discarded' (this failure used
 * up the attempts) or 'gone' (nothing to count: no attempt was left).
 * @see PROTOCOL.md §4
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
 * Records `step` as the token's last accepted time step if it is later than
 * the one recorded: true for exactly one of concurrent callers with one code.
 * @see PROTOCOL.md §7
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
 * failure has locked the user. @see PROTOCOL.md §7
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
    const user = await ctx.db.selectFrom('users').select('login_locked_until').where('id', '=', login.userId).executeTakeFirst();
    return user && lockRemaining(user, login.at) !== null ? 'locked' : 'taken';
  }
  // SQLite: writes are serialised (write-queue.ts), so the read inside the write is the state the write sees.
  return writes(ctx).run(async (tx) => {
    const user = await tx.selectFrom('users').select(['login_failures', 'login_locked_until']).where('id', '=', login.userId).executeTakeFirst();
    if (!user || lockRemaining(user, login.at) !== null) return 'locked';
    if (!(await acceptStep(tx, login.tokenId, login.step))) return 'taken';
    if (user.login_failures !== 0 || user.login_locked_until !== null) await resetLoginFailures(tx, login.userId);
    await audit({ db: tx, now: () => login.at }, 'login.ok', { username: login.username, ip: login.ip, detail: login.detail });
    return 'accepted';
  });
}

type AuditFields = { username: string; ip: string | null; detail: Record<string, string | number | boolean | null> };

/**
 * Consumes an open, unexpired activation, stores its pending token and the
 * `token.provisioned` audit row, atomically: of concurrent callers exactly one
 * gets 'provisioned', the others learn why not. @see PROTOCOL.md §3
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

/**
 * Confirms a pending token with its `token.confirmed` audit row, atomically;
 * a renewal supersedes the token it renews in the same write. The confirming
 * code's `step` counts as the token's last accepted one. @see PROTOCOL.md §4, §7
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
  return writes(ctx).run(async (tx) => {
    const outcome = await activateToken(tx, now, token, step);
    if (outcome === 'activated') await audit({ db: tx, now: () => now }, 'token.confirmed', entry);
    return outcome;
  });
}

/**
 * PostgreSQL, a first token (not a renewal): counts the request's rate-limit
 * hits and confirms the token in one statement, shared with the
 * confirmations arriving together; the token is activated only when no limit
 * is passed. `wait` is the seconds to wait when one was (nothing else was
 * written then). Elsewhere, null: count the hits first, then `confirmPending`.
 * @see PROTOCOL.md §1, §4
 */
export async function confirmWithinLimits(
  ctx: Pick<AppContext, 'db' | 'dialect' | 'config'>,
  now: number,
  token: Pick<Token, 'id' | 'renews_token_id'>,
  step: number,
  entry: AuditFields,
  limit: { bucket: Bucket; ip: string },
): Promise<{ outcome: ActivateOutcome; wait: null } | { outcome: null; wait: number } | null> {
  if (ctx.dialect !== 'postgres' || token.renews_token_id !== null) return null;
  const keys = rateKeys(ctx, limit.bucket, { ip: limit.ip, user: entry.username }, now);
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

/**
 * Revokes a token (pending or active), drops its pending renewals and audits
 * `token.revoked`; true when it was live. For the portal and the admin CLI.
 */
export async function revokeToken(ctx: Ctx, tokenId: string, by: { ip?: string | null; via?: string } = {}): Promise<boolean> {
  const now = ctx.now();
  return writes(ctx).run(async (tx) => {
    const res = await tx
      .updateTable('tokens')
      .set({ state: 'revoked', revoked_at: now })
      .where('id', '=', tokenId)
      .where('state', 'in', ['pending', 'active'])
      .returning('user_id')
      .executeTakeFirst();
    await tx.deleteFrom('tokens').where('renews_token_id', '=', tokenId).where('state', '=', 'pending').execute();
    if (!res) return false;
    const owner = await tx.selectFrom('users').select('username').where('id', '=', res.user_id).executeTakeFirst();
    await audit({ db: tx, now: () => now }, 'token.revoked', { username: owner?.username ?? null, ip: by.ip ?? null, detail: { tokenId, via: by.via ?? 'admin' } });
    return true;
  });
}

/**
 * Deletes pending tokens whose confirmation window is over, per profile, and
 * erases K_ac of activations past their validity. For the purge job; returns
 * how many tokens went.
 */
export async function purgeStalePending(ctx: Ctx & Pick<AppContext, 'config'>): Promise<number> {
  const now = ctx.now();
  let removed = 0;
  for (const [name, profile] of Object.entries(ctx.config.profiles)) {
    const res = await ctx.db
      .deleteFrom('tokens')
      .where('state', '=', 'pending')
      .where('profile', '=', name)
      .where('issued_at', '<=', now - profile.activationValidityHours * 3_600_000)
      .executeTakeFirst();
    removed += Number(res.numDeletedRows);
  }
  await ctx.db.updateTable('activations').set({ k_ac: null }).where('expires_at', '<=', now).where('k_ac', 'is not', null).execute();
  return removed;
}
