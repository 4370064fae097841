/**
 * Rate limits per client address and per user, counted in the database so
 * that every instance sharing it counts the same hits. Fixed windows: one row
 * per key holds its window's start and hit count, and each request is one
 * UPSERT that increments (or restarts) every key it touches and returns the
 * counts: atomic, one statement, no read-then-write. Not used on
 * `/aotp/v1/verify`: its callers are authenticated sites and its per-user
 * lockout is the brake. @see docs/protocol.md §1 (`429 rate_limited`)
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { hitRateLimitsPg } from './pg-batches.ts';
import { prepared } from './prepared.ts';
import { writes, type Tx } from './write-queue.ts';

export interface Limit {
  /** Hits allowed in one window. */
  max: number;
  windowSeconds: number;
}

export type Bucket = 'provision' | 'confirm' | 'status' | 'renew' | 'login' | 'login-code' | 'portal';

/**
 * The limits, before `JETON_RATE_LIMIT_FACTOR`. Per address they are wide,
 * since a whole organisation may reach the server through one address; per
 * user they are close to what one person does (the extension asks a token's
 * status at most once a minute; a person types a password a few times).
 */
export const RATE_LIMITS: Record<Bucket, { ip: Limit; user: Limit }> = {
  provision: { ip: { max: 60, windowSeconds: 60 }, user: { max: 10, windowSeconds: 60 } },
  confirm: { ip: { max: 120, windowSeconds: 60 }, user: { max: 20, windowSeconds: 60 } },
  status: { ip: { max: 600, windowSeconds: 60 }, user: { max: 60, windowSeconds: 60 } },
  renew: { ip: { max: 60, windowSeconds: 60 }, user: { max: 10, windowSeconds: 60 } },
  // The password step: the brake on password guessing for one user.
  login: { ip: { max: 60, windowSeconds: 60 }, user: { max: 10, windowSeconds: 300 } },
  // The code step, after a right password (the §7 lockout bounds the guesses).
  'login-code': { ip: { max: 60, windowSeconds: 60 }, user: { max: 30, windowSeconds: 300 } },
  portal: { ip: { max: 120, windowSeconds: 60 }, user: { max: 30, windowSeconds: 300 } },
};

type Ctx = Pick<AppContext, 'db' | 'dialect' | 'now' | 'config'>;

/** One key a request hits: its window at the time of the hit and the hits allowed in it (the factor applied). */
export interface RateKey {
  key: string;
  windowStart: number;
  windowSeconds: number;
  max: number;
}

/** A key's hits in its window after a request, this one included. */
export interface RateCount {
  key: string;
  hits: number;
  windowStart: number;
}

/**
 * The keys a request of `bucket` hits at `now`: the client address and, when
 * known, the user. Empty when the limits are off (`JETON_RATE_LIMIT_FACTOR=0`).
 */
export function rateKeys(ctx: Pick<AppContext, 'config'>, bucket: Bucket, who: { ip: string; user?: string | null | undefined }, now: number): RateKey[] {
  const factor = ctx.config.rateLimitFactor ?? 1;
  if (factor === 0) return [];
  const limits = RATE_LIMITS[bucket];
  const key = (name: string, limit: Limit): RateKey => ({
    key: name,
    windowStart: now - (now % (limit.windowSeconds * 1000)),
    windowSeconds: limit.windowSeconds,
    max: Math.max(1, Math.floor(limit.max * factor)),
  });
  const keys = [key(`${bucket}|ip|${who.ip.slice(0, 64)}`, limits.ip)];
  if (who.user) keys.push(key(`${bucket}|user|${who.user.slice(0, 128)}`, limits.user));
  return keys;
}

/** The seconds to wait when a count passes its key's limit, else null. */
export function rateWait(keys: RateKey[], counted: RateCount[], now: number): number | null {
  let wait: number | null = null;
  for (const row of counted) {
    const limit = keys.find((k) => k.key === row.key)!;
    if (row.hits <= limit.max) continue;
    const seconds = Math.max(1, Math.ceil((row.windowStart + limit.windowSeconds * 1000 - now) / 1000));
    wait = Math.max(wait ?? 0, seconds);
  }
  return wait;
}

/** The UPSERT of `n` keys' hits: one more in the same window, the count restarted in a later one. */
const upsertOf = <A extends readonly unknown[]>(n: number) => (db: Ctx['db'], ...args: A) =>
  db
    .insertInto('rate_limits')
    .values(Array.from({ length: n }, (_, i) => ({ key: args[2 * i] as string, window_start: args[2 * i + 1] as number, hits: 1 })))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql<number>`CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END`,
        window_start: sql<number>`excluded.window_start`,
      }),
    )
    .returning(['key', 'hits', 'window_start']);

// Prepared once (see prepared.ts): a request hits one key (its address) or two (and its user).
const upsertOne = prepared(upsertOf<[string, number]>(1), ['\u0000key', -424_242]);
const upsertTwo = prepared(upsertOf<[string, number, string, number]>(2), ['\u0000key', -424_242, '\u0000key2', -424_243]);

/** Counts one hit on each of `keys` (one or two) in a write; returns their rows after it. */
async function upsertHits(tx: Tx, keys: RateKey[]): Promise<Array<{ key: string; hits: number; window_start: number }>> {
  const [a, b] = keys as [RateKey, RateKey | undefined];
  const res = b === undefined ? await upsertOne(tx, a.key, a.windowStart) : await upsertTwo(tx, a.key, a.windowStart, b.key, b.windowStart);
  return res.rows;
}

/**
 * Counts one hit of `bucket` for the client address and, when known, the
 * user; returns the seconds to wait when a limit is passed, else null.
 */
export async function hitRateLimit(ctx: Ctx, bucket: Bucket, who: { ip: string; user?: string | null | undefined }): Promise<number | null> {
  const now = ctx.now();
  const keys = rateKeys(ctx, bucket, who, now);
  if (keys.length === 0) return null;
  if (ctx.dialect === 'sqlite') return writes(ctx).run((tx) => hitRateLimitInWrite(tx, keys, now));
  // PostgreSQL: one statement for the hits arriving together (pg-batches.ts).
  return rateWait(keys, await hitRateLimitsPg(ctx.db, keys), now);
}

/**
 * SQLite: counts one hit on each of `keys` inside a write (see write-queue.ts),
 * so that what the request then does commits with its hits; the seconds to
 * wait when a limit is passed, else null.
 */
export async function hitRateLimitInWrite(tx: Tx, keys: RateKey[], now: number): Promise<number | null> {
  if (keys.length === 0) return null;
  const rows = await upsertHits(tx, keys);
  return rateWait(keys, rows.map((r) => ({ key: r.key, hits: r.hits, windowStart: Number(r.window_start) })), now);
}

/** Drops the rows of windows that ended: for the purge job. */
export async function purgeRateLimits(ctx: Pick<AppContext, 'db' | 'now'>): Promise<number> {
  const longest = Math.max(...Object.values(RATE_LIMITS).flatMap((l) => [l.ip.windowSeconds, l.user.windowSeconds])) * 1000;
  const res = await ctx.db.deleteFrom('rate_limits').where('window_start', '<=', ctx.now() - longest).executeTakeFirst();
  return Number(res.numDeletedRows);
}
