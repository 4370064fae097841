/**
 * The hot PostgreSQL statements, grouped (see batch.ts): the verify read and
 * the accepted login, the rate-limit hits, provisioning and first
 * confirmation with the reads before them. Each is one statement over arrays,
 * one round trip and (for writes) one commit for a whole batch, with the same
 * guarantees as one statement per request:
 * - a login's lock check, step and failure reset stay one atomic step per
 *   user: the users' rows are locked (`FOR UPDATE`, in id order so two
 *   instances' batches cannot deadlock) before their state is read, and no
 *   user appears twice in one batch, so each sees the previous one's effect;
 * - an activation (or a pending token) appears at most once in a batch, so of
 *   concurrent consumptions exactly one succeeds, as with one conditional
 *   UPDATE each;
 * - rate-limit hits of one key in a batch are added together and each caller
 *   gets the count it would have had alone.
 * @see PROTOCOL.md §7
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Activation, Database, NewToken } from '../db/schema.ts';
import { registerStatement } from '../db/statements.ts';
import { batcher } from './batch.ts';
import type { TokenWithUser } from './tokens.ts';

type Db = Kysely<Database>;

/** Runs fixed SQL (registered as a named statement) with array parameters. */
async function query<R>(db: Db, text: string, parameters: unknown[]): Promise<R[]> {
  registerStatement(text);
  return (await db.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows;
}

/** One batcher of each kind per database handle; weakly held, so a closed database takes them along. */
function perDatabase<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) {
      value = make(db);
      made.set(db, value);
    }
    return value;
  };
}

/** A user's lock state and one of their live tokens (token columns null when they have none). */
export interface UserTokenRow {
  user_id: number;
  login_failures: number;
  login_locked_until: number | null;
  token_id: string | null;
  profile: string | null;
  seed: string | null;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512' | null;
  digits: number | null;
  period: number | null;
  last_step: number | null;
  expires_at: number | null;
}

const SELECT_USER_TOKENS = `SELECT q.n, users.id AS user_id, users.login_failures, users.login_locked_until,
  tokens.id AS token_id, tokens.profile, tokens.seed, tokens.algorithm, tokens.digits, tokens.period, tokens.last_step, tokens.expires_at
FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS q(username, now, n)
JOIN users ON users.username = q.username
LEFT JOIN tokens ON tokens.user_id = users.id AND tokens.state = 'active' AND tokens.expires_at > q.now`;

const userTokens = perDatabase((db) =>
  batcher<{ username: string; now: number }, UserTokenRow[]>(async (items) => {
    const rows = await query<UserTokenRow & { n: number }>(db, SELECT_USER_TOKENS, [items.map((i) => i.username), items.map((i) => i.now)]);
    const out = items.map((): UserTokenRow[] => []);
    for (const { n, ...row } of rows) out[n - 1]!.push(row);
    return out;
  }),
);

/** The user's lock state and live tokens at `now` (no rows: no such user). */
export function selectUserTokensPg(db: Db, username: string, now: number): Promise<UserTokenRow[]> {
  return userTokens(db)({ username, now });
}

export interface LoginAcceptance {
  userId: number;
  at: number;
  tokenId: string;
  step: number;
  username: string;
  ip: string | null;
  /** The audit row's detail, as JSON. */
  detail: string;
}

// `u` locks the batch's users in id order and reads their state after the
// lock (READ COMMITTED re-reads a row it waited for); only unlocked users'
// codes move their token's step; the failures of those accepted are reset and
// one `login.ok` row is written for each. The statement is one transaction.
const ACCEPT_LOGINS = `WITH q AS MATERIALIZED (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
    WITH ORDINALITY AS q(user_id, at, token_id, step, username, ip, detail, n)),
u AS MATERIALIZED (SELECT id, login_failures, login_locked_until FROM users WHERE id IN (SELECT user_id FROM q) ORDER BY id FOR UPDATE),
open AS (SELECT q.* FROM q JOIN u ON u.id = q.user_id WHERE u.login_locked_until IS NULL OR u.login_locked_until <= q.at),
accepted AS (UPDATE tokens SET last_step = open.step FROM open
  WHERE tokens.id = open.token_id AND tokens.state = 'active' AND tokens.last_step < open.step
  RETURNING open.n, open.user_id, open.at, open.username, open.ip, open.detail),
cleared AS (UPDATE users SET login_failures = 0, login_locked_until = NULL FROM u
  WHERE users.id = u.id AND u.id IN (SELECT user_id FROM accepted) AND (u.login_failures <> 0 OR u.login_locked_until IS NOT NULL)),
audited AS (INSERT INTO audit (at, event, username, ip, detail) SELECT at, 'login.ok', username, ip, detail FROM accepted ORDER BY n)
SELECT n FROM accepted`;

const acceptances = perDatabase((db) =>
  batcher<LoginAcceptance, boolean>(
    async (items) => {
      const rows = await query<{ n: number }>(db, ACCEPT_LOGINS, [
        items.map((i) => i.userId),
        items.map((i) => i.at),
        items.map((i) => i.tokenId),
        items.map((i) => i.step),
        items.map((i) => i.username),
        items.map((i) => i.ip),
        items.map((i) => i.detail),
      ]);
      const accepted = new Set(rows.map((r) => r.n));
      return items.map((_, i) => accepted.has(i + 1));
    },
    // A user twice in one statement would be judged twice on one snapshot.
    { keyOf: (i) => i.userId, orderBy: (i) => i.userId },
  ),
);

/**
 * Accepts a login code's step unless the user is locked: true when accepted
 * (step recorded, failures reset, `login.ok` audited, atomically).
 * @see PROTOCOL.md §7
 */
export function acceptLoginBatchedPg(db: Db, login: LoginAcceptance): Promise<boolean> {
  return acceptances(db)(login);
}

export interface RateHit {
  key: string;
  windowStart: number;
}

// Each key once per statement, with its hits added: ON CONFLICT cannot touch a row twice.
const HIT_RATE_LIMITS = `INSERT INTO rate_limits (key, window_start, hits)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::integer[])
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + excluded.hits ELSE excluded.hits END,
  window_start = excluded.window_start
RETURNING key, hits, window_start`;

/** Splits `items` into runs in which no key has two windows (a window that closed mid-batch). */
function windowRuns(items: RateHit[][]): Array<{ from: number; to: number }> {
  const runs: Array<{ from: number; to: number }> = [];
  let from = 0;
  let windows = new Map<string, number>();
  items.forEach((hits, i) => {
    if (hits.some((h) => windows.has(h.key) && windows.get(h.key) !== h.windowStart)) {
      runs.push({ from, to: i });
      from = i;
      windows = new Map();
    }
    for (const h of hits) windows.set(h.key, h.windowStart);
  });
  runs.push({ from, to: items.length });
  return runs;
}

/** Applies one run of hits; for each caller, the hits of each of its keys as if the callers had come one by one. */
async function applyHits(db: Db, items: RateHit[][]): Promise<Array<Array<{ key: string; hits: number; windowStart: number }>>> {
  const totals = new Map<string, { windowStart: number; count: number }>();
  for (const hits of items) {
    for (const h of hits) {
      const t = totals.get(h.key);
      if (t) t.count += 1;
      else totals.set(h.key, { windowStart: h.windowStart, count: 1 });
    }
  }
  // In one order everywhere, so two statements (or two instances) take the rows' locks alike.
  const keys = [...totals.keys()].sort();
  const rows = await query<{ key: string; hits: number; window_start: number }>(db, HIT_RATE_LIMITS, [
    keys,
    keys.map((k) => totals.get(k)!.windowStart),
    keys.map((k) => totals.get(k)!.count),
  ]);
  const after = new Map(rows.map((r) => [r.key, r]));
  // The callers' places in each key's count: the first of the batch is the earliest hit.
  const seen = new Map<string, number>();
  return items.map((hits) =>
    hits.map((h) => {
      const row = after.get(h.key)!;
      const place = (seen.get(h.key) ?? 0) + 1;
      seen.set(h.key, place);
      return { key: h.key, hits: row.hits - totals.get(h.key)!.count + place, windowStart: Number(row.window_start) };
    }),
  );
}

const rateHits = perDatabase((db) =>
  batcher<RateHit[], Array<{ key: string; hits: number; windowStart: number }>>(async (items) => {
    const out: Array<Array<{ key: string; hits: number; windowStart: number }>> = [];
    for (const run of windowRuns(items)) out.push(...(await applyHits(db, items.slice(run.from, run.to))));
    return out;
  }),
);

/** Counts one hit on each of `hits`' keys; returns each key's hits in its window, this one included. */
export function hitRateLimitsPg(db: Db, hits: RateHit[]): Promise<Array<{ key: string; hits: number; windowStart: number }>> {
  return rateHits(db)(hits);
}

// The newest activation of each (profile, user), as tokens.ts `newestActivation`.
const SELECT_NEWEST_ACTIVATIONS = `SELECT q.n, a.* FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(profile, username, n)
JOIN users ON users.username = q.username
JOIN LATERAL (SELECT * FROM activations WHERE activations.user_id = users.id AND activations.profile = q.profile ORDER BY activations.id DESC LIMIT 1) a ON true`;

const newestActivations = perDatabase((db) =>
  batcher<{ profile: string; username: string }, Activation | undefined>(async (items) => {
    const rows = await query<Activation & { n: number }>(db, SELECT_NEWEST_ACTIVATIONS, [items.map((i) => i.profile), items.map((i) => i.username)]);
    const out: Array<Activation | undefined> = items.map(() => undefined);
    for (const { n, ...row } of rows) out[n - 1] = row;
    return out;
  }),
);

/** The newest activation of (profile, user), or undefined. @see PROTOCOL.md §3 */
export function newestActivationPg(db: Db, profile: string, username: string): Promise<Activation | undefined> {
  return newestActivations(db)({ profile, username });
}

const SELECT_TOKENS = `SELECT q.n, tokens.*, users.username, users.login_failures, users.login_locked_until
FROM unnest($1::text[]) WITH ORDINALITY AS q(id, n)
JOIN tokens ON tokens.id = q.id
JOIN users ON users.id = tokens.user_id`;

const tokensById = perDatabase((db) =>
  batcher<string, TokenWithUser | undefined>(async (ids) => {
    const rows = await query<TokenWithUser & { n: number }>(db, SELECT_TOKENS, [ids]);
    const out: Array<TokenWithUser | undefined> = ids.map(() => undefined);
    for (const { n, ...row } of rows) out[n - 1] = row;
    return out;
  }),
);

/** A token with its owner's user ID and lock state, or undefined. */
export function findTokenPg(db: Db, tokenId: string): Promise<TokenWithUser | undefined> {
  return tokensById(db)(tokenId);
}

export interface Provisioning {
  now: number;
  activationId: number;
  token: NewToken;
  username: string;
  ip: string | null;
  /** The audit row's detail, as JSON. */
  detail: string;
}

// Consumes each open, unexpired activation, inserts its pending token and the
// `token.provisioned` row: as tokens.ts `provisionToken`, for a batch.
const PROVISION = `WITH q AS MATERIALIZED (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::integer[], $11::integer[], $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::text[])
    WITH ORDINALITY AS q(now, activation_id, id, user_id, profile, device_name, seed, k_status, algorithm, digits, period, issued_at, expires_at, username, ip, detail, n)),
taken AS (UPDATE activations SET state = 'used', used_at = q.now, token_id = q.id FROM q
  WHERE activations.id = q.activation_id AND activations.state = 'open' AND activations.expires_at > q.now
  RETURNING q.*),
token AS (INSERT INTO tokens (id, user_id, profile, activation_id, renews_token_id, device_name, seed, k_status, algorithm, digits, period, state, issued_at, expires_at)
  SELECT id, user_id, profile, activation_id, NULL, device_name, seed, k_status, algorithm, digits, period, 'pending', issued_at, expires_at FROM taken ORDER BY n
  RETURNING id),
audited AS (INSERT INTO audit (at, event, username, ip, detail)
  SELECT taken.now, 'token.provisioned', taken.username, taken.ip, taken.detail FROM taken JOIN token ON token.id = taken.id ORDER BY taken.n)
SELECT n FROM taken`;

const provisionings = perDatabase((db) =>
  batcher<Provisioning, boolean>(
    async (items) => {
      const col = <T>(f: (p: Provisioning) => T): T[] => items.map(f);
      const rows = await query<{ n: number }>(db, PROVISION, [
        col((p) => p.now),
        col((p) => p.activationId),
        col((p) => p.token.id),
        col((p) => p.token.user_id),
        col((p) => p.token.profile),
        col((p) => p.token.device_name),
        col((p) => p.token.seed),
        col((p) => p.token.k_status),
        col((p) => p.token.algorithm),
        col((p) => p.token.digits),
        col((p) => p.token.period),
        col((p) => p.token.issued_at),
        col((p) => p.token.expires_at),
        col((p) => p.username),
        col((p) => p.ip),
        col((p) => p.detail),
      ]);
      const done = new Set(rows.map((r) => r.n));
      return items.map((_, i) => done.has(i + 1));
    },
    // Two consumptions of one activation are never judged on one snapshot.
    { keyOf: (p) => p.activationId, orderBy: (p) => p.activationId },
  ),
);

/** Consumes the activation and stores its pending token and audit row; false when the activation was not open. @see PROTOCOL.md §3 */
export function provisionBatchedPg(db: Db, provisioning: Provisioning): Promise<boolean> {
  return provisionings(db)(provisioning);
}

export interface Confirmation {
  /** tokens.ts MAX_CONFIRM_FAILURES (passed in: that module imports this one). */
  maxFailures: number;
  now: number;
  tokenId: string;
  step: number;
  username: string;
  ip: string | null;
  /** The audit row's detail, as JSON. */
  detail: string;
}

// A first confirmation (not a renewal) and its `token.confirmed` row: as tokens.ts `confirmPending`, for a batch.
const CONFIRM = `WITH q AS MATERIALIZED (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])
    WITH ORDINALITY AS q(now, token_id, step, username, ip, detail, n)),
activated AS (UPDATE tokens SET state = 'active', confirmed_at = q.now, last_step = q.step FROM q
  WHERE tokens.id = q.token_id AND tokens.state = 'pending' AND tokens.confirm_failures < $7::integer AND tokens.renews_token_id IS NULL
  RETURNING q.*),
audited AS (INSERT INTO audit (at, event, username, ip, detail) SELECT now, 'token.confirmed', username, ip, detail FROM activated ORDER BY n)
SELECT n FROM activated`;

const confirmations = perDatabase((db) =>
  batcher<Confirmation, boolean>(
    async (items) => {
      const col = <T>(f: (c: Confirmation) => T): T[] => items.map(f);
      const rows = await query<{ n: number }>(db, CONFIRM, [col((c) => c.now), col((c) => c.tokenId), col((c) => c.step), col((c) => c.username), col((c) => c.ip), col((c) => c.detail), items[0]!.maxFailures]);
      const done = new Set(rows.map((r) => r.n));
      return items.map((_, i) => done.has(i + 1));
    },
    { keyOf: (c) => c.tokenId, orderBy: (c) => c.tokenId },
  ),
);

/** Activates a pending first token (not a renewal) with its audit row; false when it was not pending. @see PROTOCOL.md §4 */
export function confirmBatchedPg(db: Db, confirmation: Confirmation): Promise<boolean> {
  return confirmations(db)(confirmation);
}
