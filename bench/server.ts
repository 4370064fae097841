/**
 * The server's figures for `npm run bench`, over loopback with the server on
 * one core and the load generator on another (taskset):
 * - `/aotp/v1/verify` requests per second against a bare Fastify JSON route
 *   (bench/bare-server.ts) measured in the same run, on SQLite and on
 *   PostgreSQL, as a ratio. Every request is a real success: a distinct user,
 *   their current code, a step later than the last accepted one, so the §7
 *   replay guard, the lockout bookkeeping and the audit row all run;
 * - on PostgreSQL, the same with two server processes on one schema, the
 *   load split across both (both on the server's core: the same CPU as one),
 *   next to one process alone with half the connections: the load each of
 *   the two has. Each has fewer requests in flight, so smaller batches and,
 *   on this machine, more CPU per request; the control tells that cost from
 *   anything the sharing of a schema costs (row locks, lost batches). These
 *   rates are for information; their target is that every request succeeds;
 * - provision + confirm pairs per second (each pair: proof checked, envelope
 *   sealed, activation consumed, code confirmed), after a warm-up run.
 * Each path is measured warm, on a PostgreSQL bulk load that has been
 * vacuumed and analyzed. Besides requests per second, it prints the CPU time
 * per request of the server and of PostgreSQL (from /proc): on a shared
 * machine the rates move with the neighbours' load, the CPU cost per request
 * much less. PostgreSQL's processes are not pinned: they share both cores.
 * Set BENCH_PROFILE=1 to write V8 CPU profiles of the servers to .tmp/prof.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { b64u } from '../src/core/bytes.ts';
import { checkProfile, loadConfig } from '../src/server/config.ts';
import type { AppContext } from '../src/server/context.ts';
import { openDatabase, type DatabaseHandle } from '../src/server/db/index.ts';
import { TEST_PG_URL } from '../src/testing/server/databases.ts';
import { MasterKey } from '../src/server/secrets.ts';
import { issueActivation } from '../src/server/store/activations.ts';
import { createApiKey } from '../src/server/store/api-keys.ts';
import { pendingTokenRow } from '../src/server/store/tokens/row.ts';
import { hotp } from '../src/server/totp-node.ts';
import { prepareProvision, type PreparedProvision } from './fast-client.ts';
import type { BenchSection } from './index.ts';
import { addSummary } from './summary.ts';

const TARGETS = { sqliteRatio: 0.3, postgresRatio: 0.15, pairsPerSecond: 1000 } as const;

const ROOT = resolve(import.meta.dirname, '..');
const SERVER_CORE = 1;
const LOAD_CORE = 0;
const CONNECTIONS = 32;
const MEASURE_SECONDS = 3;
const ROUNDS = 2;
/** Fresh users per verify round: about what a fast machine serves in MEASURE_SECONDS (a round that uses them all stops there). */
const USERS_PER_ROUND = 36_000;
/** Activations issued: the warm-up's, then enough that each measured round ends on its clock. */
const WARM_PAIRS = 1500;
const PAIRS = 12_000;
/**
 * Verifications that warm the second instance up before the two-instance run:
 * about what the first has had by then (its warm-up and the rounds), so that
 * neither is measured while still compiling.
 */
const SECOND_WARM_USERS = 20_000;
const PAIR_CONCURRENCY = 32;
/** The pair run stops launching new pairs after this long. */
const PAIR_SECONDS = 3;

const canPin = (): boolean => cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** `node --import tsx <file>` on the server's core when the machine has two. */
function startNode(file: string, env: Record<string, string>): ChildProcess {
  const nodeArgs = ['--import', 'tsx'];
  if (process.env.BENCH_PROFILE) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(ROOT, '.tmp', 'prof')}`);
  const [cmd, ...args] = canPin() ? ['taskset', '-c', String(SERVER_CORE), process.execPath, ...nodeArgs, file] : [process.execPath, ...nodeArgs, file];
  return spawn(cmd!, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not start`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT'); // both servers close cleanly on SIGINT (and CPU profiles are written)
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** CPU seconds (user + system) a process has used, from /proc; null where there is no /proc. */
function cpuSeconds(pid: number | undefined): number | null {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return null;
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds used so far by each of PostgreSQL's processes (the bench's database is the only busy one); null without /proc. */
function databaseCpu(): Map<number, number> | null {
  if (!existsSync('/proc/self/stat')) return null;
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    byPid.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return byPid;
}

/**
 * PostgreSQL's CPU seconds between two readings, over the processes alive at
 * the second: a backend that exited in between (a pool's idle connection, a
 * stopped instance's) would otherwise take its whole past off the sum.
 */
function databaseCpuBetween(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (before === null || after === null) return null;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Microseconds per unit between two CPU readings, or null when one is missing. */
const perUnitUs = (before: number | null, after: number | null, units: number): number | null =>
  before === null || after === null || units === 0 ? null : ((after - before) * 1e6) / units;

/** PostgreSQL's CPU per unit (µs) since `before`. */
const databaseUsSince = (before: Map<number, number> | null, units: number): number | null => perUnitUs(0, databaseCpuBetween(before, databaseCpu()), units);

let nextPort = 18_700 + Math.floor(Math.random() * 500);

interface BenchUser {
  username: string;
  seed: Uint8Array;
}

/** Users with one active SHA1/6/30 token each, inserted directly, sealed as the server seals them. */
async function seedUsers(handle: DatabaseHandle, masterKey: MasterKey, prefix: string, count: number, now: number): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  const BATCH = 500;
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => ({ username: `${prefix}${start + i}`, seed: crypto.getRandomValues(new Uint8Array(20)) }));
    const ids = await handle.db
      .insertInto('users')
      .values(batch.map((u) => ({ username: u.username, email: `${u.username}@example.org`, password_hash: null, message: 'Bonjour', image_type: null, image_data: null, created_at: now })))
      .returning(['id', 'username'])
      .execute();
    const idOf = new Map(ids.map((r) => [r.username, r.id]));
    await handle.db
      .insertInto('tokens')
      .values(
        batch.map((u) => {
          const id = b64u(crypto.getRandomValues(new Uint8Array(16)));
          const settings = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
          const kStatus = crypto.getRandomValues(new Uint8Array(32));
          const row = pendingTokenRow(masterKey, { id, userId: idOf.get(u.username)!, profile: 'teleacces', settings, activationId: null, renewsTokenId: null, deviceName: 'bench', seed: u.seed, kStatus, issuedAt: now, expiresAt: now + 365 * 86_400_000 });
          return { ...row, state: 'active' as const, confirmed_at: now };
        }),
      )
      .execute();
    users.push(...batch);
  }
  return users;
}

interface LoadResult {
  rps: number;
  requests: number;
  ok: number;
  other: number;
  /** Server CPU per request (µs), when /proc tells. */
  serverCpuUs: number | null;
  /** PostgreSQL's CPU per request (µs), when /proc tells (about nothing on SQLite). */
  databaseCpuUs: number | null;
}

/**
 * Runs autocannon against `url` with verify bodies from `next()`, for `amount`
 * requests or `seconds`; when `next()` has no more (every fresh user has had
 * their turn), the run stops there and its rate is over the time it took.
 */
async function load(
  url: string,
  server: ChildProcess,
  apiKey: string,
  next: () => VerifyBody | null,
  limit: { amount?: number; seconds?: number },
  connections = CONNECTIONS,
): Promise<LoadResult> {
  const cpu0 = cpuSeconds(server.pid);
  const db0 = databaseCpu();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections,
        // autocannon ends a stopped run at its next sample: every 0.1 s, not every second.
        sampleInt: 100,
        ...(limit.amount ? { amount: limit.amount } : { duration: limit.seconds ?? MEASURE_SECONDS }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        requests: [
          {
            setupRequest: (req) => {
              const body = next();
              if (body === null) {
                instance.stop();
                return req; // answered after the stop, never counted
              }
              return { ...req, body: JSON.stringify(body) };
            },
          },
        ],
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
  });
  const cpu1 = cpuSeconds(server.pid);
  const databaseCpuUs = databaseUsSince(db0, result['2xx'] + result.non2xx);
  const total = result['2xx'] + result.non2xx;
  return {
    rps: total / result.duration,
    requests: total,
    ok: result['2xx'],
    other: result.non2xx + result.errors + result.timeouts,
    serverCpuUs: perUnitUs(cpu0, cpu1, total),
    databaseCpuUs,
  };
}

interface VerifyBody {
  userId: string;
  otp: string;
}

/**
 * Each user once, with their code of the moment, then null: a second use would
 * be a replay. The bare route, which checks nothing, may `cycle` through them.
 */
function codes(users: BenchUser[], { cycle = false } = {}): () => VerifyBody | null {
  let i = 0;
  return () => {
    if (i >= users.length && !cycle) return null;
    const u = users[i++ % users.length]!;
    return { userId: u.username, otp: hotp({ seed: u.seed, algorithm: 'SHA1', digits: 6 }, Math.floor(Date.now() / 30_000)) };
  };
}

interface PairRun {
  perSecond: number;
  ok: number;
  tried: number;
  /** Server CPU per pair (µs). */
  cpuUs: number | null;
  /** PostgreSQL's CPU per pair (µs). */
  databaseCpuUs: number | null;
  /** Share of a core the load generator used: near 1, it may be the bottleneck. */
  loadBusy: number;
}

interface DbFigures {
  verify: LoadResult;
  /** PostgreSQL only: two server processes on one schema, the load split across both (both on the server's core). */
  twoInstances: LoadResult | null;
  /** PostgreSQL only: one of them alone with half the connections, in the same rounds (the two's control). */
  halfLoad: LoadResult | null;
  bare: LoadResult;
  /** The best provision+confirm round, with the failed pairs of every round. */
  pairs: PairRun & { failed: number };
}

interface PairContext {
  pair?: PreparedProvision;
  answer?: { serverKey: string; iv: string; ct: string } | null;
}

/**
 * Provision + confirm pairs over PAIR_CONCURRENCY connections, each running
 * one pair after the other, until `pairs` run out or `seconds` pass; `tried`
 * counts the pairs that ended (those cut by the stop are left out). The load
 * is autocannon's (as for verify): with node:http the load generator, on the
 * core it shares with PostgreSQL, used up to a fifth more CPU per pair.
 */
function runPairs(provisionUrl: string, pairs: PreparedProvision[], seconds: number): Promise<{ ok: number; tried: number; started: number; seconds: number }> {
  let next = 0;
  let ok = 0;
  let finished = 0;
  const url = new URL(provisionUrl);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: url.origin,
        connections: PAIR_CONCURRENCY,
        sampleInt: 100, // a stopped run ends within 0.1 s, as in load()
        duration: seconds,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            path: url.pathname + url.search,
            setupRequest: (req, context: PairContext) => {
              const pair = pairs[next++];
              if (pair === undefined) {
                instance.stop();
                return req; // answered after the stop, never counted
              }
              context.pair = pair;
              return { ...req, body: JSON.stringify(pair.body) };
            },
            onResponse: (status, body, context: PairContext) => {
              context.answer = status === 200 ? (JSON.parse(body) as PairContext['answer']) : null;
              if (status !== 200) finished += 1;
            },
          },
          {
            method: 'POST',
            // A failed provisioning has nothing to confirm: the connection starts the next pair.
            setupRequest: (req, context: PairContext) => {
              if (!context.pair || !context.answer) return null as never;
              const confirm = context.pair.confirmFor(context.answer, Date.now());
              return { ...req, path: new URL(confirm.url).pathname, body: JSON.stringify(confirm.body) };
            },
            onResponse: (status) => {
              finished += 1;
              if (status === 200) ok += 1;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ ok, tried: finished, started: Math.min(next, pairs.length), seconds: result.duration })),
    );
  });
}

async function benchDatabase(kind: 'sqlite' | 'postgres', bare: { url: string; child: ChildProcess }): Promise<DbFigures> {
  const masterKey = MasterKey.generate();
  const dataDir = mkdtempSync(join(tmpdir(), 'jeton-bench-'));
  const schema = `bench_${Date.now().toString(36)}`;
  const port = nextPort++;
  const publicUrl = `http://127.0.0.1:${port}`;
  const handle = await openDatabase(kind === 'sqlite' ? { sqliteFile: join(dataDir, 'jeton.db') } : { databaseUrl: TEST_PG_URL, schema });
  const now = Date.now();
  const config = loadConfig({ JETON_PUBLIC_URL: publicUrl, JETON_DATA_DIR: dataDir });
  config.profiles = { teleacces: checkProfile('teleacces', {}, publicUrl) };
  const ctx: AppContext = { config, db: handle.db, dialect: handle.dialect, masterKey, mailer: { send: async () => {} }, now: () => Date.now() };

  // Fixtures: enough users that every measured request is the first use of a fresh code.
  const warm = await seedUsers(handle, masterKey, 'warm', 2_000, now);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await seedUsers(handle, masterKey, `r${r}u`, USERS_PER_ROUND, now));
  const twoRounds = [];
  const halfRounds = [];
  if (kind === 'postgres') {
    for (let r = 0; r < ROUNDS; r++) twoRounds.push(await seedUsers(handle, masterKey, `two${r}u`, USERS_PER_ROUND, now));
    for (let r = 0; r < ROUNDS; r++) halfRounds.push(await seedUsers(handle, masterKey, `half${r}u`, USERS_PER_ROUND / 2, now));
  }
  const warm2 = kind === 'postgres' ? await seedUsers(handle, masterKey, 'warmtwo', SECOND_WARM_USERS, now) : [];
  const { key } = await createApiKey(ctx, 'bench');
  await seedUsers(handle, masterKey, 'pair', PAIRS, now);
  const pairUsers = await handle.db.selectFrom('users').select(['id', 'username']).where('username', 'like', 'pair%').execute();
  const activations = await Promise.all(pairUsers.map((user) => issueActivation(ctx, user, 'teleacces')));
  await handle.close();
  // The bulk load is vacuumed and analyzed now, as a database in service is, so
  // that autovacuum does not wake up on it in the middle of a measurement.
  if (kind === 'postgres') await vacuumSchema(schema);

  const serverEnv = (listen: number): Record<string, string> => ({
    PORT: String(listen),
    HOST: '127.0.0.1',
    JETON_PUBLIC_URL: publicUrl,
    JETON_DATA_DIR: dataDir,
    JETON_MASTER_KEY: masterKey.toText(),
    JETON_CONFIG: '',
    LOG_LEVEL: 'warn',
    // All the load comes from one address: the limits are widened, not turned off, so their bookkeeping is measured.
    JETON_RATE_LIMIT_FACTOR: '1000',
    DATABASE_URL: kind === 'postgres' ? TEST_PG_URL : '',
    ...(kind === 'postgres' ? { JETON_DATABASE_SCHEMA: schema } : {}),
  });
  const server = startNode('src/server/main.ts', serverEnv(port));
  let second: ChildProcess | null = null;
  const verifyUrl = `${publicUrl}/aotp/v1/verify`;
  try {
    await waitReady(verifyUrl, server);
    await load(verifyUrl, server, key, codes(warm), { amount: warm.length });
    // Alternating rounds, best of each: the machine may be shared, and the best
    // round is the one least disturbed by the neighbours.
    const bareRuns: LoadResult[] = [];
    const verifyRuns: LoadResult[] = [];
    for (const users of rounds) {
      bareRuns.push(await load(bare.url, bare.child, 'bare', codes(users, { cycle: true }), { seconds: MEASURE_SECONDS }));
      verifyRuns.push(await load(verifyUrl, server, key, codes(users), { seconds: MEASURE_SECONDS }));
    }
    const best = (runs: LoadResult[]): LoadResult => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
    // Any non-2xx in any round is reported: every request should have been a success.
    const verify = { ...best(verifyRuns), other: verifyRuns.reduce((n, r) => n + r.other, 0) };
    const bareRun = best(bareRuns);

    // Two instances sharing the schema, as an organisation runs them: half the
    // connections to each, every request a distinct user's fresh code; the best
    // of ROUNDS rounds, as for one instance. Each round also runs the first
    // instance alone with half the connections, the control.
    let twoInstances: DbFigures['twoInstances'] = null;
    let halfLoad: DbFigures['halfLoad'] = null;
    if (kind === 'postgres') {
      const port2 = nextPort++;
      second = startNode('src/server/main.ts', serverEnv(port2));
      const verifyUrl2 = `http://127.0.0.1:${port2}/aotp/v1/verify`;
      await waitReady(verifyUrl2, second);
      await load(verifyUrl2, second, key, codes(warm2), { amount: warm2.length });
      const twoRuns: LoadResult[] = [];
      const halfRuns: LoadResult[] = [];
      for (const [r, users] of twoRounds.entries()) {
        halfRuns.push(await load(verifyUrl, server, key, codes(halfRounds[r]!), { seconds: MEASURE_SECONDS }, CONNECTIONS / 2));
        const half = Math.floor(users.length / 2);
        const db0 = databaseCpu();
        const [a, b] = await Promise.all([
          load(verifyUrl, server, key, codes(users.slice(0, half)), { seconds: MEASURE_SECONDS }, CONNECTIONS / 2),
          load(verifyUrl2, second, key, codes(users.slice(half)), { seconds: MEASURE_SECONDS }, CONNECTIONS / 2),
        ]);
        const requests = a.requests + b.requests;
        const serverCpuUs = a.serverCpuUs === null || b.serverCpuUs === null ? null : (a.serverCpuUs * a.requests + b.serverCpuUs * b.requests) / requests;
        twoRuns.push({ rps: a.rps + b.rps, requests, ok: a.ok + b.ok, other: a.other + b.other, serverCpuUs, databaseCpuUs: databaseUsSince(db0, requests) });
      }
      twoInstances = { ...best(twoRuns), other: twoRuns.reduce((n, r) => n + r.other, 0) };
      halfLoad = { ...best(halfRuns), other: halfRuns.reduce((n, r) => n + r.other, 0) };
      await stop(second);
    }

    // Provision + confirm, PAIR_CONCURRENCY at a time; requests prepared before the clock starts.
    // A first run warms the path up (as the verify rounds are warmed): the
    // figure is the server's steady state, not its first seconds of compiling.
    const serverUrl = `${publicUrl}/aotp/v1/provision?profile=teleacces`;
    const prepared = activations.map((a) => prepareProvision(a.userId, a.code));
    await runPairs(serverUrl, prepared.splice(0, WARM_PAIRS), PAIR_SECONDS);
    const pairRuns: PairRun[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const cpu0 = cpuSeconds(server.pid);
      const db0 = databaseCpu();
      const loadCpu0 = process.cpuUsage();
      // Each round takes the pairs the previous one left (the cut ones are lost, not reused).
      const run = await runPairs(serverUrl, prepared, PAIR_SECONDS);
      prepared.splice(0, run.started);
      const loadCpu = process.cpuUsage(loadCpu0);
      pairRuns.push({
        perSecond: run.ok / run.seconds,
        ok: run.ok,
        tried: run.tried,
        cpuUs: perUnitUs(cpu0, cpuSeconds(server.pid), run.ok),
        databaseCpuUs: kind === 'postgres' ? databaseUsSince(db0, run.ok) : null,
        loadBusy: (loadCpu.user + loadCpu.system) / 1e6 / run.seconds,
      });
    }
    const pairs = { ...pairRuns.reduce((x, y) => (y.perSecond > x.perSecond ? y : x)), failed: pairRuns.reduce((n, r) => n + r.tried - r.ok, 0) };
    return { verify, twoInstances, halfLoad, bare: bareRun, pairs };
  } finally {
    if (second) await stop(second);
    await stop(server);
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** VACUUM ANALYZE of every table of `schema` (it cannot run in a transaction: one statement per table). */
async function vacuumSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    for (const { table_name } of tables.rows) await client.query(`VACUUM ANALYZE ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table_name)}`);
  } finally {
    await client.end();
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** The CPU a request (or pair) cost the server and, on PostgreSQL, the database. */
const cpu = (server: number | null, database: number | null = null, unit = 'req'): string =>
  (server === null ? '' : `, server CPU ${fmt(server)} µs/${unit}`) + (database === null ? '' : `, PostgreSQL CPU ${fmt(database)} µs/${unit}`);

export const serverSection: BenchSection = {
  name: 'Provisioning server',
  async run() {
    if (canPin()) spawnSync('taskset', ['-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
    else console.warn('Fewer than two cores (or no taskset): server and load share the CPU; ratios are indicative only.');
    // Rates depend on what else the machine runs: say so next to them.
    console.info(`machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start`);
    const barePort = nextPort++;
    const bareChild = startNode('bench/bare-server.ts', { PORT: String(barePort) });
    const bare = { url: `http://127.0.0.1:${barePort}/aotp/v1/verify`, child: bareChild };
    let met = true;
    try {
      await waitReady(bare.url, bareChild);
      const only = process.env.BENCH_ONLY;
      const kinds: Array<'sqlite' | 'postgres'> = only === 'postgres' ? [] : ['sqlite'];
      if (only !== 'sqlite' && (await postgresReachable())) kinds.push('postgres');
      else if (only !== 'sqlite') console.warn(`PostgreSQL not reachable at ${TEST_PG_URL}: its figures are missing.`);
      for (const kind of kinds) {
        const f = await benchDatabase(kind, bare);
        const ratio = f.verify.rps / f.bare.rps;
        const ratioTarget = kind === 'sqlite' ? TARGETS.sqliteRatio : TARGETS.postgresRatio;
        const ratioMet = ratio >= ratioTarget && f.verify.other === 0;
        const pairsMet = f.pairs.perSecond >= TARGETS.pairsPerSecond && f.pairs.failed === 0;
        met = met && ratioMet && pairsMet;
        const cpuRatio = f.verify.serverCpuUs && f.bare.serverCpuUs ? ` (by server CPU per request: ${(f.bare.serverCpuUs / f.verify.serverCpuUs).toFixed(2)}×)` : '';
        console.info(`${kind.padEnd(8)} bare route  ${fmt(f.bare.rps)} req/s${cpu(f.bare.serverCpuUs)}`);
        console.info(`${kind.padEnd(8)} verify      ${fmt(f.verify.rps)} req/s (${fmt(f.verify.ok)} ok, ${f.verify.other} other)${cpu(f.verify.serverCpuUs, kind === 'postgres' ? f.verify.databaseCpuUs : null)}`);
        console.info(`${kind.padEnd(8)} ratio       ${ratio.toFixed(2)}× (target ≥ ${ratioTarget})${cpuRatio} ${ratioMet ? 'ok' : 'MISSED'}`);
        addSummary({ figure: `${kind} verify / bare route`, measured: `${ratio.toFixed(2)}× (${fmt(f.verify.rps)} / ${fmt(f.bare.rps)} req/s)`, target: `≥ ${ratioTarget}×`, met: ratioMet });
        if (f.twoInstances && f.halfLoad) {
          const twoRatio = f.twoInstances.rps / f.bare.rps;
          const halfRatio = f.halfLoad.rps / f.bare.rps;
          const twoMet = f.twoInstances.other === 0 && f.halfLoad.other === 0;
          met = met && twoMet;
          const half = `one instance, ${CONNECTIONS / 2} connections`;
          console.info(`${kind.padEnd(8)} verify, two instances on one schema ${fmt(f.twoInstances.rps)} req/s (${fmt(f.twoInstances.ok)} ok, ${f.twoInstances.other} other)${cpu(f.twoInstances.serverCpuUs, f.twoInstances.databaseCpuUs)}`);
          console.info(`${kind.padEnd(8)} verify, ${half} (the load each of the two has) ${fmt(f.halfLoad.rps)} req/s (${fmt(f.halfLoad.ok)} ok, ${f.halfLoad.other} other)${cpu(f.halfLoad.serverCpuUs, f.halfLoad.databaseCpuUs)}`);
          console.info(`${kind.padEnd(8)} ratio, two instances ${twoRatio.toFixed(2)}× (${half}: ${halfRatio.toFixed(2)}×; target: 0 failed) ${twoMet ? 'ok' : 'MISSED'}`);
          addSummary({
            figure: `${kind} verify, two instances / bare route`,
            measured: `${twoRatio.toFixed(2)}× (${fmt(f.twoInstances.rps)} req/s; ${half}: ${halfRatio.toFixed(2)}×)`,
            target: '0 failed',
            met: twoMet,
          });
        }
        addSummary({ figure: `${kind} provision+confirm`, measured: `${fmt(f.pairs.perSecond)} pairs/s`, target: `≥ ${TARGETS.pairsPerSecond} pairs/s`, met: pairsMet });
        console.info(
          `${kind.padEnd(8)} provision+confirm ${fmt(f.pairs.perSecond)} pairs/s (${f.pairs.ok}/${f.pairs.tried} ok, ${f.pairs.failed} failed in all rounds${cpu(f.pairs.cpuUs, f.pairs.databaseCpuUs, 'pair')}, load generator ${Math.round(f.pairs.loadBusy * 100)}% busy; target ≥ ${TARGETS.pairsPerSecond}) ${pairsMet ? 'ok' : 'MISSED'}`,
        );
      }
    } finally {
      await stop(bareChild);
      // Give the later sections (the browser the extension section starts) every core again.
      if (canPin()) spawnSync('taskset', ['-a', '-cp', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
    }
    return met;
  },
};
