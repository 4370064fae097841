/**
 * Test harness for the protocol's routes: an app on a given test database with
 * a pinned clock the test moves, a fresh master key, a mailer that records,
 * and the real client functions of src/core talking to it through `inject`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { fromB64u } from '../../core/bytes.ts';
import type { Fetch, ProvisionedToken } from '../../core/protocol/client.ts';
import { confirm, provision } from '../../core/protocol/client.ts';
import { generateTOTP } from '../../core/totp.ts';
import { buildApp } from '../../server/app.ts';
import { checkProfile, loadConfig, type Config, type Profile } from '../../server/config.ts';
import type { AppContext, MailMessage } from '../../server/context.ts';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from '../../server/db/index.ts';
import { MasterKey } from '../../server/secrets.ts';
import { issueActivation, type IssuedActivation } from '../../server/store/activations.ts';
import { createApiKey } from '../../server/store/api-keys.ts';

/** 2025-11-28T23:00:00Z: a whole 30-second step, so tests place codes exactly. */
export const T0 = 1_764_370_800_000;
export const PUBLIC_URL = 'http://127.0.0.1:8080';

export interface Harness {
  app: FastifyInstance;
  ctx: AppContext;
  mail: MailMessage[];
  /** The pinned clock (ms). */
  now(): number;
  setNow(ms: number): void;
  advance(ms: number): void;
  /** A fetch for the client functions that goes through `app.inject`. */
  fetch: Fetch;
  /** Empties the database and the mailbox, puts the clock back to T0: one per test. */
  reset(): Promise<void>;
  /** Closes the app and the database. */
  close(): Promise<void>;
}

/** Profiles for tests: the default, one without renewal, and one with SHA256/8 digits/60 s. */
export function testConfig(overrides: Record<string, Partial<Profile>> = {}): Config {
  const base = loadConfig({ JETON_PUBLIC_URL: PUBLIC_URL, JETON_DATA_DIR: mkdtempSync(join(tmpdir(), 'jeton-test-')) });
  const profiles: Record<string, Profile> = {
    teleacces: checkProfile('teleacces', overrides.teleacces ?? {}, PUBLIC_URL),
    norenew: checkProfile('norenew', { issuer: 'Sans renouvellement', allowRenewal: false, pinRequired: false, ...overrides.norenew }, PUBLIC_URL),
    strong: checkProfile(
      'strong',
      { issuer: 'Fort', algorithm: 'SHA256', digits: 8, period: 60, validityDays: 90, renewWindowDays: 10, pinMinLength: 6, loginOrigins: ['https://login.example', PUBLIC_URL], portalUrl: 'https://portal.example/virtuel', ...overrides.strong },
      PUBLIC_URL,
    ),
  };
  return { ...base, profiles, defaultProfile: 'teleacces' };
}

const TABLES = ['reminders', 'audit', 'tokens', 'activations', 'api_keys', 'security_questions', 'identity_attempts', 'portal_sessions', 'users', 'rate_limits'] as const;

/** A `fetch` for the client functions of src/core that POSTs through `app.inject`. */
export function injectFetch(app: FastifyInstance): Fetch {
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

/**
 * One app and database per test file (migrating a PostgreSQL schema and
 * registering the portal take a while); `reset` before each test.
 */
export async function buildHarness(db: DatabaseOptions, config: Config = testConfig()): Promise<Harness> {
  const handle: DatabaseHandle = await openDatabase(db);
  let t = T0;
  const mail: MailMessage[] = [];
  const ctx: AppContext = {
    config,
    db: handle.db,
    dialect: handle.dialect,
    masterKey: MasterKey.generate(),
    mailer: { send: async (m) => void mail.push(m) },
    now: () => t,
  };
  const app = await buildApp(ctx, { logger: false });
  await app.ready();
  const fetch = injectFetch(app);
  return {
    app,
    ctx,
    mail,
    now: () => t,
    setNow: (ms) => void (t = ms),
    advance: (ms) => void (t += ms),
    fetch,
    reset: async () => {
      for (const table of TABLES) await handle.db.deleteFrom(table).execute();
      mail.length = 0;
      t = T0;
    },
    close: async () => {
      await app.close();
      await handle.close();
    },
  };
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

/** The token's code at the harness's current time (or `atMs`). */
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
