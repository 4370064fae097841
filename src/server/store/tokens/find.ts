/**
 * Reading tokens and activations for the protocol's requests: a token by its
 * ID (confirm, status, renew) and the activation a provisioning consumes,
 * read together with the request's rate-limit hits. @see docs/protocol.md §3–§6
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Activation } from '../../db/schema.ts';
import { findTokenPg, provisionReadsPg } from '../pg-batches.ts';
import { prepared } from '../prepared.ts';
import { hitRateLimit, rateKeys, rateWait, type Bucket } from '../rate-limits.ts';
import type { TokenCtx, TokenWithUser } from './row.ts';

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

export async function findToken(ctx: TokenCtx, tokenId: string): Promise<TokenWithUser | undefined> {
  if (ctx.dialect === 'postgres') return findTokenPg(ctx.db, tokenId);
  return (await selectToken(ctx.db, tokenId)).rows[0];
}

/**
 * The newest activation of (profile, user), with its owner; undefined when there is none.
 * `LIMIT 1` is written in the SQL: with a bound `LIMIT ?` SQLite's run of it cost 3–4× more (measured).
 * @see docs/protocol.md §3
 */
const selectNewestActivation = prepared(
  (db, profile: string, username: string) =>
    db
      .selectFrom('activations')
      .innerJoin('users', 'users.id', 'activations.user_id')
      .selectAll('activations')
      .where('users.username', '=', username)
      .where('activations.profile', '=', profile)
      .orderBy('activations.id', 'desc')
      .limit(sql.lit(1)),
  ['\u0000profile', '\u0000username'],
);

/**
 * Counts a provisioning request against its rate limits (`limit.bucket`, per
 * address and user) and reads the newest activation of (profile, user)
 * together: one statement on PostgreSQL, shared with the requests arriving
 * together; two at once on SQLite. `wait` is the seconds to wait when a limit
 * was passed: the caller then answers that and nothing else. @see docs/protocol.md §1, §3
 */
export async function newestActivationCounted(
  ctx: TokenCtx & Pick<AppContext, 'config'>,
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
