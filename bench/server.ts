/**
 * The server's figures for `npm run bench`, over loopback with the server on
 * one core and the load generator on another (taskset):
 * - `/aotp/v1/verify` requests per second against a bare Fastify JSON route
 *   measured in the same run, on SQLite and on PostgreSQL, as a ratio. Every
 *   request is a real success: a distinct user, their current code, a step
 *   later than the last accepted one (so the §7 replay guard, the lockout
 *   bookkeeping and the audit row all run);
 * - provision + confirm pairs per second through the real client functions.
 * Set BENCH_PROFILE=1 to write V8 CPU profiles of the server to .tmp/prof.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { fromB64u, b64u } from '../src/core/bytes.ts';
import { createConfirmRequest, createProvisionRequest, openProvisionResponse } from '../src/core/protocol/client.ts';
import { generateTOTP } from '../src/core/totp.ts';
import { checkProfile, loadConfig } from '../src/server/config.ts';
import type { AppContext } from '../src/server/context.ts';
import { openDatabase, type DatabaseHandle } from '../src/server/db/index.ts';
import { TEST_PG_URL } from '../src/server/db/test-databases.ts';
import { MasterKey } from '../src/server/secrets.ts';
import { issueActivation } from '../src/server/store/activations.ts';
import { createApiKey } from '../src/server/store/api-keys.ts';
import { seedContext, kStatusContext } from '../src/server/store/tokens.ts';
import type { BenchSection } from './index.ts';

export const TARGETS = { sqliteRatio: 0.3, postgresRatio: 0.15, pairsPerSecond: 1000 } as const;

const ROOT = resolve(import.meta.dirname, '..');
const SERVER_CORE = 1;
const LOAD_CORE = 0;
const CONNECTIONS = 32;
const MEASURE_SECONDS = 3;
const PAIRS = 3000;
const PAIR_CONCURRENCY = 32;
/** The pair run stops launching new pairs after this long. */
const PAIR_SECONDS = 4;

const canPin = (): boolean => cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** `node --import tsx <file>` on the server's core when the machine has two. */
function startNode(file: string, env: Record<string, string>): ChildProcess {
  const nodeArgs = ['--import', 'tsx'];
  if (process.env.BENCH_PROFILE) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(ROOT, '.tmp', 'prof')}`);
  const [cmd, ...args] = canPin() ? ['taskset', '-c', String(SERVER_CORE), process.execPath, ...nodeArgs, file] : [process.execPath, ...nodeArgs, file];
  const child = spawn(cmd!, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return child;
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
  child.kill('SIGINT'); // main.ts closes cleanly on SIGINT (and CPU profiles are written)
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

let nextPort = 18_700 + Math.floor(Math.random() * 500);

interface BenchUser {
  username: string;
  seed: Uint8Array;
}

/** Users with one active SHA1/6/30 token each, inserted directly (fast), sealed like the server seals them. */
async function seedUsers(handle: DatabaseHandle, masterKey: MasterKey, prefix: string, count: number, now: number): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  const BATCH = 500;
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => ({
      username: `${prefix}${start + i}`,
      seed: crypto.getRandomValues(new Uint8Array(20)),
    }));
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
          return {
            id,
            user_id: idOf.get(u.username)!,
            profile: 'teleacces',
            activation_id: null,
            renews_token_id: null,
            device_name: 'bench',
            seed: masterKey.sealSync(u.seed, seedContext(id)),
            k_status: masterKey.sealSync(crypto.getRandomValues(new Uint8Array(32)), kStatusContext(id)),
            algorithm: 'SHA1' as const,
            digits: 6,
            period: 30,
            state: 'active' as const,
            issued_at: now,
            expires_at: now + 365 * 86_400_000,
            confirmed_at: now,
            revoked_at: null,
          };
        }),
      )
      .execute();
    users.push(...batch);
  }
  return users;
}

interface LoadResult {
  rps: number;
  ok: number;
  other: number;
  seconds: number;
}

/** Runs autocannon against `url` with verify bodies from `next()`; `amount` or `seconds`. */
async function load(url: string, apiKey: string, next: () => { userId: string; otp: string }, limit: { amount?: number; seconds?: number }): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    ...(limit.amount ? { amount: limit.amount } : { duration: limit.seconds ?? MEASURE_SECONDS }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(next()) }) }],
  });
  const total = result['2xx'] + result.non2xx;
  return { rps: total / result.duration, ok: result['2xx'], other: result.non2xx + result.errors + result.timeouts, seconds: result.duration };
}

/** Yields each user once with their current code. */
function codes(users: BenchUser[]): () => { userId: string; otp: string } {
  let i = 0;
  return () => {
    const u = users[i++ % users.length]!;
    return { userId: u.username, otp: generateTOTP({ seed: u.seed, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now()) };
  };
}

interface DbFigures {
  verifyRps: number;
  bareRps: number;
  ratio: number;
  verifyOk: number;
  verifyOther: number;
  pairsPerSecond: number;
  pairsOk: number;
  pairsTried: number;
}

async function benchDatabase(kind: 'sqlite' | 'postgres', bareUrl: string, bareKey: string): Promise<DbFigures> {
  const masterKey = MasterKey.generate();
  const dataDir = mkdtempSync(join(tmpdir(), 'jeton-bench-'));
  const schema = `bench_${Date.now().toString(36)}`;
  const port = nextPort++;
  const publicUrl = `http://127.0.0.1:${port}`;
  const dbOptions = kind === 'sqlite' ? { sqliteFile: join(dataDir, 'jeton.db') } : { databaseUrl: TEST_PG_URL, schema };
  const handle = await openDatabase(dbOptions);
  const now = Date.now();
  const config = { ...loadConfig({ JETON_PUBLIC_URL: publicUrl, JETON_DATA_DIR: dataDir }) };
  config.profiles = { teleacces: checkProfile('teleacces', {}, publicUrl) };
  const ctx: AppContext = { config, db: handle.db, dialect: handle.dialect, masterKey, mailer: { send: async () => {} }, now: () => Date.now() };

  // Fixtures: enough users that every measured request is a first use of a fresh code.
  const warm = await seedUsers(handle, masterKey, 'warm', 2_000, now);
  const probe = await seedUsers(handle, masterKey, 'probe', 10_000, now);
  const measured = await seedUsers(handle, masterKey, 'user', 40_000, now);
  const { key } = await createApiKey(ctx, 'bench');
  await seedUsers(handle, masterKey, 'pair', PAIRS, now);
  const ids = await handle.db.selectFrom('users').select(['id', 'username']).where('username', 'like', 'pair%').execute();
  const activations = await Promise.all(ids.map((user) => issueActivation(ctx, user, 'teleacces')));
  await handle.close();

  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    JETON_PUBLIC_URL: publicUrl,
    JETON_DATA_DIR: dataDir,
    JETON_MASTER_KEY: masterKey.toText(),
    JETON_CONFIG: '',
    LOG_LEVEL: 'warn',
    DATABASE_URL: kind === 'postgres' ? TEST_PG_URL : '',
    ...(kind === 'postgres' ? { JETON_DATABASE_SCHEMA: schema } : {}),
  };
  const server = startNode('src/server/main.ts', env);
  const verifyUrl = `${publicUrl}/aotp/v1/verify`;
  try {
    await waitReady(verifyUrl, server);
    await load(verifyUrl, key, codes(warm), { amount: warm.length });
    // A one-second probe sizes the measured run to about MEASURE_SECONDS.
    const probeRun = await load(verifyUrl, key, codes(probe), { seconds: 1 });
    const amount = Math.max(2_000, Math.min(measured.length, Math.round(probeRun.rps * MEASURE_SECONDS)));
    const bare = await load(bareUrl, bareKey, codes(measured), { seconds: MEASURE_SECONDS });
    const verify = await load(verifyUrl, key, codes(measured), { amount });

    // Provision + confirm through the real client, PAIR_CONCURRENCY at a time.
    const serverUrl = `${publicUrl}/aotp/v1/provision?profile=teleacces`;
    const requests = await Promise.all(activations.map((a) => createProvisionRequest({ serverUrl, userId: a.userId, code: a.code })));
    let nextPair = 0;
    let pairsOk = 0;
    const started = performance.now();
    const deadline = started + PAIR_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: PAIR_CONCURRENCY }, async () => {
        while (nextPair < requests.length && performance.now() < deadline) {
          const { body, pending } = requests[nextPair++]!;
          const res = await fetch(serverUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          if (res.status !== 200) continue;
          const token = await openProvisionResponse(pending, await res.json());
          const e = token.envelope;
          const otp = generateTOTP({ seed: fromB64u(e.seed), algorithm: e.algorithm, digits: e.digits, period: e.period }, Date.now());
          const confirmed = await fetch(e.confirmUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await createConfirmRequest(e.tokenId, token.kStatus, otp)) });
          if (confirmed.status === 200) pairsOk += 1;
          await confirmed.arrayBuffer();
        }
      }),
    );
    const pairSeconds = (performance.now() - started) / 1000;
    return {
      verifyRps: verify.rps,
      bareRps: bare.rps,
      ratio: verify.rps / bare.rps,
      verifyOk: verify.ok,
      verifyOther: verify.other,
      pairsPerSecond: pairsOk / pairSeconds,
      pairsOk,
      pairsTried: nextPair,
    };
  } finally {
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

export const serverSection: BenchSection = {
  name: 'Provisioning server',
  async run() {
    if (canPin()) spawnSync('taskset', ['-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
    else console.warn('Fewer than two cores (or no taskset): server and load share the CPU; ratios are indicative only.');
    const barePort = nextPort++;
    const bare = startNode('bench/bare-server.ts', { PORT: String(barePort) });
    const bareUrl = `http://127.0.0.1:${barePort}/aotp/v1/verify`;
    let met = true;
    try {
      await waitReady(bareUrl, bare);
      const only = process.env.BENCH_ONLY;
      const kinds: Array<'sqlite' | 'postgres'> = only === 'postgres' ? [] : ['sqlite'];
      if (only !== 'sqlite' && (await postgresReachable())) kinds.push('postgres');
      else if (only !== 'sqlite') console.warn(`PostgreSQL not reachable at ${TEST_PG_URL}: its figures are missing.`);
      for (const kind of kinds) {
        const f = await benchDatabase(kind, bareUrl, 'bare');
        const ratioTarget = kind === 'sqlite' ? TARGETS.sqliteRatio : TARGETS.postgresRatio;
        const ratioMet = f.ratio >= ratioTarget && f.verifyOther === 0;
        const pairsMet = f.pairsPerSecond >= TARGETS.pairsPerSecond;
        met = met && ratioMet && pairsMet;
        console.info(
          `${kind.padEnd(8)} verify ${fmt(f.verifyRps)} req/s (${fmt(f.verifyOk)} ok, ${f.verifyOther} other) vs bare route ${fmt(f.bareRps)} req/s → ${f.ratio.toFixed(2)}× (target ≥ ${ratioTarget}) ${ratioMet ? 'ok' : 'MISSED'}`,
        );
        console.info(
          `${kind.padEnd(8)} provision+confirm ${fmt(f.pairsPerSecond)} pairs/s (${f.pairsOk}/${f.pairsTried} ok, target ≥ ${TARGETS.pairsPerSecond}) ${pairsMet ? 'ok' : 'MISSED'}`,
        );
      }
    } finally {
      await stop(bare);
    }
    return met;
  },
};
