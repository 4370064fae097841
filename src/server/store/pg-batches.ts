/**
 * The hot PostgreSQL statements, grouped (see batch.ts): the verify read and
 * the accepted login, the rate-limit hits, provisioning and first
 * confirmation with the reads before them. A provisioning's rate-limit hits
 * ride with its activation read, a first confirmation's with the confirmation
 * itself (which then happens only within the limits). Each is one statement
 * over arrays (a new token row as JSON), one round trip and (for writes) one
 * commit for a whole batch, with the same guarantees as one statement per request:
 * - a login's lock check, step and failure reset stay one atomic step per
 *   user: the users' rows are locked (`FOR UPDATE`, in id order so two
 *   instances' batches cannot deadlock) before their state is read, and no
 *   user appears twice in one batch, so each sees the previous one's effect;
 * - an activation (or a pending token) appears at most once in a batch, so of
 *   concurrent consumptions exactly one succeeds, as with one conditional
 *   UPDATE each;
 * - rate-limit hits of one key in a batch are added together and each caller
 *   gets the count it would have had alone; the keys' rows are locked in one
 *   (sorted) order by every statement that hits them.
 * @see docs/protocol.md §7
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Activation, Database, NewToken } from '../db/schema.ts';
import { registerStatement } from '../db/statements.ts';
import { batcher } from './batch.ts';
import type { RateCount, RateKey } from './rate-limits.ts';
import { NEW_TOKEN_COLUMNS, type TokenWithUser } from './tokens/row.ts';

type Db = Kysely<Database>;

/** Runs fixed SQL (registered as a named statement) with array parameters. */
async function query<R>(db: Db, text: string, parameters: unknown[]): Promise<R[]> {
  registerStatement(text);
  return (await db.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows;
}

/**
 * A JSON parameter. Strings are made well-formed first, as the driver does for
 * text (UTF-8: a lone surrogate becomes U+FFFD); jsonb refuses its `\ud800` escape.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const jsonParam = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replace(LONE_SURROGATE, '\ufffd') : v));

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
 * @see docs/protocol.md §7
 */
export function acceptLoginBatchedPg(db: Db, login: LoginAcceptance): Promise<boolean> {
  return acceptances(db)(login);
}

export type RateHit = Pick<RateKey, 'key' | 'windowStart'>;

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

/** Each key's hits in a run, in one order everywhere, so two statements (or two instances) take the rows' locks alike. */
function hitTotals(items: RateHit[][]): { keys: string[]; windows: number[]; counts: number[] } {
  const totals = new Map<string, { windowStart: number; count: number }>();
  for (const hits of items) {
    for (const h of hits) {
      const t = totals.get(h.key);
      if (t) t.count += 1;
      else totals.set(h.key, { windowStart: h.windowStart, count: 1 });
    }
  }
  const keys = [...totals.keys()].sort();
  return { keys, windows: keys.map((k) => totals.get(k)!.windowStart), counts: keys.map((k) => totals.get(k)!.count) };
}

/** The callers' places in each key's count, in batch order: the first of the batch is the earliest hit. */
function hitPlaces(items: RateHit[][]): number[][] {
  const seen = new Map<string, number>();
  return items.map((hits) =>
    hits.map((h) => {
      const place = (seen.get(h.key) ?? 0) + 1;
      seen.set(h.key, place);
      return place;
    }),
  );
}

/** For each caller, the count of each of its keys as if the callers had come one by one, from the rows the hits returned. */
function countsAfter(items: RateHit[][], totals: ReturnType<typeof hitTotals>, rows: Array<{ key: string; hits: number; window_start: number }>): RateCount[][] {
  const before = new Map(rows.map((r) => [r.key, { hits: r.hits - totals.counts[totals.keys.indexOf(r.key)]!, windowStart: Number(r.window_start) }]));
  const places = hitPlaces(items);
  return items.map((hits, i) =>
    hits.map((h, j) => {
      const row = before.get(h.key)!;
      return { key: h.key, hits: row.hits + places[i]![j]!, windowStart: row.windowStart };
    }),
  );
}

/** Applies one run of hits; for each caller, the hits of each of its keys as if the callers had come one by one. */
async function applyHits(db: Db, items: RateHit[][]): Promise<RateCount[][]> {
  const totals = hitTotals(items);
  const rows = await query<{ key: string; hits: number; window_start: number }>(db, HIT_RATE_LIMITS, [totals.keys, totals.windows, totals.counts]);
  return countsAfter(items, totals, rows);
}

/** Runs `items` in runs in which no key has two windows, one statement each; the results in order. */
async function inWindowRuns<I, O>(items: I[], hitsOf: (item: I) => RateHit[], run: (items: I[]) => Promise<O[]>): Promise<O[]> {
  const out: O[] = [];
  for (const r of windowRuns(items.map(hitsOf))) out.push(...(await run(items.slice(r.from, r.to))));
  return out;
}

const rateHits = perDatabase((db) => batcher<RateHit[], RateCount[]>((items) => inWindowRuns(items, (hits) => hits, (run) => applyHits(db, run))));

/** Counts one hit on each of `hits`' keys; returns each key's hits in its window, this one included. */
export function hitRateLimitsPg(db: Db, hits: RateHit[]): Promise<RateCount[]> {
  return rateHits(db)(hits);
}

// The newest activation of each (profile, user), as tokens/find.ts `newestActivationCounted` reads it on SQLite.
const NEWEST_ACTIVATIONS = `SELECT q.n, to_jsonb(a) AS activation FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS q(profile, username, n)
JOIN users ON users.username = q.username
JOIN LATERAL (SELECT * FROM activations WHERE activations.user_id = users.id AND activations.profile = q.profile ORDER BY activations.id DESC LIMIT 1) a ON true`;

// A provisioning's rate-limit hits (as HIT_RATE_LIMITS) and the newest
// activation it may consume, for a batch: one statement, one round trip.
const PROVISION_READS = `WITH hit AS (INSERT INTO rate_limits (key, window_start, hits)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::integer[])
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + excluded.hits ELSE excluded.hits END,
    window_start = excluded.window_start
  RETURNING key, hits, window_start)
SELECT NULL::bigint AS n, NULL::jsonb AS activation, key, hits, window_start FROM hit
UNION ALL
SELECT n, activation, NULL, NULL, NULL FROM (${NEWEST_ACTIVATIONS}) found`;

export interface ProvisionReads {
  /** The request's rate-limit keys. */
  hits: RateHit[];
  profile: string;
  username: string;
}

async function provisionReadsRun(db: Db, items: ProvisionReads[]): Promise<Array<{ counted: RateCount[]; activation: Activation | undefined }>> {
  const hits = items.map((i) => i.hits);
  const totals = hitTotals(hits);
  const rows = await query<{ n: number | null; activation: Activation | null; key: string; hits: number; window_start: number }>(db, PROVISION_READS, [
    totals.keys,
    totals.windows,
    totals.counts,
    items.map((i) => i.profile),
    items.map((i) => i.username),
  ]);
  const counted = countsAfter(
    hits,
    totals,
    rows.filter((r) => r.n === null),
  );
  const out = items.map((_, i) => ({ counted: counted[i]!, activation: undefined as Activation | undefined }));
  for (const r of rows) if (r.n !== null) out[r.n - 1]!.activation = r.activation!;
  return out;
}

const provisionReads = perDatabase((db) => batcher<ProvisionReads, { counted: RateCount[]; activation: Activation | undefined }>((items) => inWindowRuns(items, (i) => i.hits, (run) => provisionReadsRun(db, run))));

/** Counts a provisioning's rate-limit hits and reads the newest activation of (profile, user), in one statement. @see docs/protocol.md §1, §3 */
export function provisionReadsPg(db: Db, reads: ProvisionReads): Promise<{ counted: RateCount[]; activation: Activation | undefined }> {
  return provisionReads(db)(reads);
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

// Consumes each open, unexpired activation, inserts its pending token (the
// row as tokens/row.ts builds it, passed as JSON) and the `token.provisioned`
// row: as tokens/provision.ts `provisionToken`, for a batch.
//
// The batch comes as arrays (`unnest`), not as one JSON array of rows: the
// planner then knows how many rows it holds. A JSON array counts as 100 rows,
// for which a scan of the whole activations table looks cheaper than 100
// lookups by key, and was chosen up to tens of thousands of activations.
const PROVISION = `WITH q AS MATERIALIZED (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
    WITH ORDINALITY AS q(now, activation_id, username, ip, detail, token, n)),
taken AS (UPDATE activations SET state = 'used', used_at = q.now, token_id = q.token->>'id' FROM q
  WHERE activations.id = q.activation_id AND activations.state = 'open' AND activations.expires_at > q.now
  RETURNING q.*),
token AS (INSERT INTO tokens (${NEW_TOKEN_COLUMNS.join(', ')})
  SELECT ${NEW_TOKEN_COLUMNS.map((c) => `t.${c}`).join(', ')} FROM taken CROSS JOIN LATERAL jsonb_populate_record(NULL::tokens, taken.token) AS t ORDER BY taken.n
  RETURNING id),
audited AS (INSERT INTO audit (at, event, username, ip, detail)
  SELECT taken.now, 'token.provisioned', taken.username, taken.ip, taken.detail FROM taken JOIN token ON token.id = taken.token->>'id' ORDER BY taken.n)
SELECT n FROM taken`;

const provisionings = perDatabase((db) =>
  batcher<Provisioning, boolean>(
    async (items) => {
      const rows = await query<{ n: number }>(db, PROVISION, [
        items.map((p) => p.now),
        items.map((p) => p.activationId),
        items.map((p) => p.username),
        items.map((p) => p.ip),
        items.map((p) => p.detail),
        items.map((p) => jsonParam(p.token)),
      ]);
      const done = new Set(rows.map((r) => Number(r.n)));
      return items.map((_, i) => done.has(i + 1));
    },
    // Two consumptions of one activation are never judged on one snapshot.
    { keyOf: (p) => p.activationId, orderBy: (p) => p.activationId },
  ),
);

/** Consumes the activation and stores its pending token and audit row; false when the activation was not open. @see docs/protocol.md §3 */
export function provisionBatchedPg(db: Db, provisioning: Provisioning): Promise<boolean> {
  return provisionings(db)(provisioning);
}

export interface Confirmation {
  /** tokens/confirm.ts MAX_CONFIRM_FAILURES (passed in: that module imports this one). */
  maxFailures: number;
  now: number;
  tokenId: string;
  step: number;
  username: string;
  ip: string | null;
  /** The audit row's detail, as JSON. */
  detail: string;
  /** The request's rate-limit keys (at most two, none when the limits are off): the token is activated only within them. */
  limits: RateKey[];
}

// The request's rate-limit hits (as HIT_RATE_LIMITS), then a first confirmation
// (not a renewal) and its `token.confirmed` row, only for the requests within
// their limits: as rate-limits.ts `hitRateLimit` then tokens/confirm.ts `confirmPending`,
// for a batch, in one statement. Each request's count of a key is the key's
// count before the statement plus its place among the batch's hits of that key.
// The requests come as arrays, as PROVISION's do (the planner counts their rows).
const CONFIRM = `WITH hit AS (INSERT INTO rate_limits (key, window_start, hits)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::integer[])
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + excluded.hits ELSE excluded.hits END,
    window_start = excluded.window_start
  RETURNING key, hits, window_start),
counts AS (SELECT hit.key, hit.hits - t.c AS before, hit.window_start FROM hit JOIN unnest($1::text[], $3::integer[]) AS t(key, c) ON t.key = hit.key),
q AS MATERIALIZED (
  SELECT q.*, a.before + q.a_place AS a_hits, a.window_start AS a_window, b.before + q.b_place AS b_hits, b.window_start AS b_window
  FROM unnest($4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::integer[], $12::integer[], $13::text[], $14::integer[], $15::integer[])
    WITH ORDINALITY AS q(now, token_id, step, username, ip, detail, a_key, a_place, a_max, b_key, b_place, b_max, n)
  LEFT JOIN counts a ON a.key = q.a_key
  LEFT JOIN counts b ON b.key = q.b_key),
activated AS (UPDATE tokens SET state = 'active', confirmed_at = q.now, last_step = q.step FROM q
  WHERE (q.a_key IS NULL OR q.a_hits <= q.a_max) AND (q.b_key IS NULL OR q.b_hits <= q.b_max)
    AND tokens.id = q.token_id AND tokens.state = 'pending' AND tokens.confirm_failures < $16::integer AND tokens.renews_token_id IS NULL
  RETURNING q.n, q.now, q.username, q.ip, q.detail),
audited AS (INSERT INTO audit (at, event, username, ip, detail) SELECT now, 'token.confirmed', username, ip, detail FROM activated ORDER BY n)
SELECT q.n, q.a_hits, q.a_window, q.b_hits, q.b_window, activated.n IS NOT NULL AS activated FROM q LEFT JOIN activated ON activated.n = q.n`;

export interface ConfirmResult {
  activated: boolean;
  /** The request's count of each of its rate-limit keys, this hit included. */
  counted: RateCount[];
}

async function confirmRun(db: Db, items: Confirmation[]): Promise<ConfirmResult[]> {
  const hits = items.map((c) => c.limits);
  const { keys, windows, counts } = hitTotals(hits);
  const places = hitPlaces(hits);
  // Each request's keys in two slots (a: the address, b: the user), null when absent.
  const slot = (c: Confirmation, i: number, k: 0 | 1) => (c.limits[k] ? { key: c.limits[k].key, place: places[i]![k]!, max: c.limits[k].max } : { key: null, place: null, max: null });
  const [a, b] = [items.map((c, i) => slot(c, i, 0)), items.map((c, i) => slot(c, i, 1))];
  const rows = await query<{ n: number; a_hits: number | null; a_window: number | null; b_hits: number | null; b_window: number | null; activated: boolean }>(db, CONFIRM, [
    keys,
    windows,
    counts,
    items.map((c) => c.now),
    items.map((c) => c.tokenId),
    items.map((c) => c.step),
    items.map((c) => c.username),
    items.map((c) => c.ip),
    items.map((c) => c.detail),
    a.map((s) => s.key),
    a.map((s) => s.place),
    a.map((s) => s.max),
    b.map((s) => s.key),
    b.map((s) => s.place),
    b.map((s) => s.max),
    items[0]!.maxFailures,
  ]);
  const out: ConfirmResult[] = items.map(() => ({ activated: false, counted: [] }));
  for (const r of rows) {
    const c = items[r.n - 1]!;
    const counted: RateCount[] = [];
    if (c.limits[0]) counted.push({ key: c.limits[0].key, hits: Number(r.a_hits), windowStart: Number(r.a_window) });
    if (c.limits[1]) counted.push({ key: c.limits[1].key, hits: Number(r.b_hits), windowStart: Number(r.b_window) });
    out[r.n - 1] = { activated: r.activated, counted };
  }
  return out;
}

const confirmations = perDatabase((db) =>
  batcher<Confirmation, ConfirmResult>((items) => inWindowRuns(items, (c) => c.limits, (run) => confirmRun(db, run)), {
    keyOf: (c) => c.tokenId,
    orderBy: (c) => c.tokenId,
  }),
);

/**
 * Counts the request's rate-limit hits and, when it is within every limit,
 * activates a pending first token (not a renewal) with its audit row, in one
 * statement; `activated` is false when it was limited or not pending.
 * @see docs/protocol.md §1, §4
 */
export function confirmBatchedPg(db: Db, confirmation: Confirmation): Promise<ConfirmResult> {
  return confirmations(db)(confirmation);
}
