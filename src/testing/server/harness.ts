/**
 * The server's test harness: an app on a test database, reached through
 * `app.inject`, with a pinned clock the test moves, a fresh master key, a
 * mailer that records, and the real client functions of src/core talking to
 * it. `useHarness` registers the hooks that open, reset and close it, so a
 * test cannot leak an app or a database handle.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { fromB64u } from '../../core/bytes.ts';
import type { Fetch, ProvisionedToken } from '../../core/protocol/client.ts';
import { confirm, provision } from '../../core/protocol/client.ts';
import { generateTOTP } from '../../core/totp.ts';
import { buildApp } from '../../server/app.ts';
import { checkProfile, loadConfig, type Config, type Profile } from '../../server/config.ts';
import type { AppContext, MailMessage } from '../../server/context.ts';
import { openDatabase, type DatabaseHandle } from '../../server/db/index.ts';
import type { Database } from '../../server/db/schema.ts';
import { MasterKey } from '../../server/secrets.ts';
import { issueActivation, type IssuedActivation } from '../../server/store/activations.ts';
import { createApiKey } from '../../server/store/api-keys.ts';
import type { TestDatabase } from './databases.ts';

/** 2025-11-28T23:00:00Z: a whole 30-second step, so tests place codes exactly. */
export const T0 = 1_764_370_800_000;
export const DAY = 86_400_000;
export const PUBLIC_URL = 'http://127.0.0.1:8080';

/**
 * The configuration tests run with, read from `env` (public URL, fresh data
 * directory, then whatever the test adds): the default profile, one without
 * renewal, and one with SHA256/8 digits/60 s.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  const base = loadConfig({ JETON_PUBLIC_URL: PUBLIC_URL, JETON_DATA_DIR: mkdtempSync(join(tmpdir(), 'jeton-test-')), ...env });
  const url = base.publicUrl;
  const profiles: Record<string, Profile> = {
    teleacces: checkProfile('teleacces', {}, url),
    norenew: checkProfile('norenew', { issuer: 'Sans renouvellement', allowRenewal: false, pinRequired: false }, url),
    strong: checkProfile(
      'strong',
      { issuer: 'Fort', algorithm: 'SHA256', digits: 8, period: 60, validityDays: 90, renewWindowDays: 10, pinMinLength: 6, loginOrigins: ['https://login.example', url], portalUrl: 'https://portal.example/virtuel' },
      url,
    ),
  };
  return { ...base, profiles, defaultProfile: 'teleacces' };
}

const TABLES = ['reminders', 'audit', 'tokens', 'activations', 'api_keys', 'security_questions', 'identity_attempts', 'portal_sessions', 'users', 'rate_limits'] as const;

/** Deletes every row, children before parents. */
export async function emptyDatabase(db: Kysely<Database>): Promise<void> {
  for (const table of TABLES) await db.deleteFrom(table).execute();
}

/** A `fetch` for the client functions of src/core that POSTs through `app.inject`. */
function injectFetch(app: FastifyInstance): Fetch {
  return async (url, init) => {
    const u = new URL(url);
    const res = await app.inject({ method: 'POST', url: u.pathname + u.search, headers: init.headers, payload: init.body });
    return {
      status: res.statusCode,
      headers: { get: (name: string) => (res.headers[name.toLowerCase()] === undefined ? null : String(res.headers[name.toLowerCase()])) },
      text: async () => res.body,
    };
  };
}

export interface HarnessOptions {
  /** Added to the environment the configuration is read from, e.g. `JETON_RATE_LIMIT_FACTOR: '0'`. */
  env?: Record<string, string>;
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  /** What the app has mailed since the last reset. */
  readonly mail: MailMessage[];
  /** A fetch for the client functions that goes through `app.inject`. */
  readonly fetch: Fetch;
  /** The pinned clock (ms). */
  now(): number;
  setNow(ms: number): void;
  advance(ms: number): void;
  /**
   * Empties the database and the mailbox and puts the clock back to T0 (done
   * before each test). With `options`, the app is rebuilt on a configuration
   * read with them, for this test only: the next reset goes back to the
   * harness's own.
   */
  reset(options?: HarnessOptions): Promise<void>;
}

interface Open {
  handle: DatabaseHandle;
  ctx: AppContext;
  app: FastifyInstance;
  fetch: Fetch;
}

class ServerHarness implements Harness {
  readonly mail: MailMessage[] = [];
  private t = T0;
  private open: Open | undefined;
  /** Whether the app runs on a configuration given to `reset` rather than the harness's own. */
  private reconfigured = false;

  constructor(
    private readonly target: TestDatabase,
    private readonly options: HarnessOptions,
  ) {}

  private get current(): Open {
    if (!this.open) throw new Error('The harness is open only inside the tests of the describe block that created it.');
    return this.open;
  }
  get app(): FastifyInstance {
    return this.current.app;
  }
  get ctx(): AppContext {
    return this.current.ctx;
  }
  get fetch(): Fetch {
    return this.current.fetch;
  }
  now(): number {
    return this.t;
  }
  setNow(ms: number): void {
    this.t = ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }

  async start(): Promise<void> {
    const handle = await openDatabase(this.target.options());
    try {
      const ctx: AppContext = {
        config: testConfig(this.options.env),
        db: handle.db,
        dialect: handle.dialect,
        masterKey: MasterKey.generate(),
        mailer: { send: async (m) => void this.mail.push(m) },
        now: () => this.t,
      };
      this.open = { handle, ...(await this.build(ctx)) };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  private async build(ctx: AppContext): Promise<Pick<Open, 'ctx' | 'app' | 'fetch'>> {
    const app = await buildApp(ctx, { logger: false });
    await app.ready();
    return { ctx, app, fetch: injectFetch(app) };
  }

  async reset(options?: HarnessOptions): Promise<void> {
    const open = this.current;
    await emptyDatabase(open.handle.db);
    this.mail.length = 0;
    this.t = T0;
    if (options || this.reconfigured) {
      await open.app.close();
      this.open = { handle: open.handle, ...(await this.build({ ...open.ctx, config: testConfig({ ...this.options.env, ...options?.env }) })) };
      this.reconfigured = options !== undefined;
    }
  }

  async stop(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    if (!open) return;
    try {
      await open.app.close();
    } finally {
      await open.handle.close();
    }
  }
}

/**
 * A harness on `target` for the enclosing `describe`: the database is opened
 * and the app built before its first test, both are reset before each test
 * and closed after the last. Its fields are read inside tests and hooks.
 */
export function useHarness(target: TestDatabase, options: HarnessOptions = {}): Harness {
  const h = new ServerHarness(target, options);
  beforeAll(() => h.start());
  beforeEach(() => h.reset());
  afterAll(() => h.stop());
  return h;
}

/** Inserts a user directly (the portal's user store is not what these tests are about). */
export async function addUser(ctx: AppContext, username: string): Promise<{ id: number; username: string }> {
  const row = await ctx.db
    .insertInto('users')
    .values({ username, email: `${username}@example.org`, password_hash: null, message: 'Bonjour', image_type: null, image_data: null, created_at: ctx.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, username };
}

export async function issue(h: Harness, username: string, profile = 'teleacces'): Promise<IssuedActivation> {
  const user = await h.ctx.db.selectFrom('users').select(['id', 'username']).where('username', '=', username).executeTakeFirstOrThrow();
  return issueActivation(h.ctx, user, profile);
}

/** The token's code at `atMs`. */
export function codeOf(token: ProvisionedToken, atMs: number): string {
  const e = token.envelope;
  return generateTOTP({ seed: fromB64u(e.seed), algorithm: e.algorithm, digits: e.digits, period: e.period }, atMs);
}

/** A code that is not `right` (same length). */
export const wrongCode = (right: string): string => right.replace(/^./, (d) => String((Number(d) + 1) % 10));

/** User, activation, provision through the real client; the token is pending. */
export async function provisioned(h: Harness, username: string, profile = 'teleacces'): Promise<ProvisionedToken> {
  const existing = await h.ctx.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  if (!existing) await addUser(h.ctx, username);
  const act = await issue(h, username, profile);
  return provision(h.fetch, { serverUrl: act.serverUrl, userId: username, code: act.code, deviceName: 'Firefox on Linux' });
}

/**
 * As `provisioned`, then confirmed: the token is active. It is confirmed with
 * the previous step's code (inside the ±1 window), which then counts as used
 * (§7), so the current code is free for the test.
 */
export async function activeToken(h: Harness, username: string, profile = 'teleacces'): Promise<ProvisionedToken> {
  const token = await provisioned(h, username, profile);
  await confirm(h.fetch, token, codeOf(token, h.now() - token.envelope.period * 1000));
  return token;
}

export async function apiKey(h: Harness): Promise<string> {
  return (await createApiKey(h.ctx, `site-${Math.random().toString(36).slice(2)}`)).key;
}

/** POSTs a JSON body (or raw string) to a protocol endpoint through inject. */
export async function post(h: Harness, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await h.app.inject({
    method: 'POST',
    url: `/aotp/v1/${path}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
}
