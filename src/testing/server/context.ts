/**
 * Test context for the people-facing side (portal, login page, CLI, jobs): a
 * test database opened once per file and emptied per test, a pinned clock, a
 * fresh master key, a recording mailer, and the app reachable through inject.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Fetch } from '../../core/protocol/client.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { AppContext, Mailer, MailMessage } from '../../server/context.ts';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from '../../server/db/index.ts';
import { MasterKey } from '../../server/secrets.ts';
import { injectFetch } from './harness.ts';

/** 2025-11-28T23:00:00Z, a whole 30-second step. */
export const T0 = 1_764_370_800_000;
export const DAY = 86_400_000;

export function peopleConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ JETON_PUBLIC_URL: 'http://127.0.0.1:8080', JETON_DATA_DIR: mkdtempSync(join(tmpdir(), 'jeton-people-')), ...env });
}

export interface PeopleHarness {
  ctx: AppContext;
  app: FastifyInstance;
  mail: MailMessage[];
  now(): number;
  advance(ms: number): void;
  setNow(ms: number): void;
  /** For the client functions of src/core: POSTs through inject. */
  fetch: Fetch;
  close(): Promise<void>;
}

const TABLES = ['reminders', 'audit', 'tokens', 'activations', 'api_keys', 'security_questions', 'identity_attempts', 'portal_sessions', 'users', 'rate_limits'] as const;

export const openTestDb = (options: DatabaseOptions): Promise<DatabaseHandle> => openDatabase(options);

export async function peopleHarness(handle: DatabaseHandle, options: { config?: Config; mailer?: Mailer } = {}): Promise<PeopleHarness> {
  for (const table of TABLES) await handle.db.deleteFrom(table).execute();
  let t = T0;
  const mail: MailMessage[] = [];
  const ctx: AppContext = {
    config: options.config ?? peopleConfig(),
    db: handle.db,
    dialect: handle.dialect,
    masterKey: MasterKey.fromText('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'),
    mailer: options.mailer ?? { send: async (m) => void mail.push(m) },
    now: () => t,
  };
  const app = await buildApp(ctx, { logger: false });
  await app.ready();
  const fetch = injectFetch(app);
  return {
    ctx,
    app,
    mail,
    now: () => t,
    advance: (ms) => void (t += ms),
    setNow: (ms) => void (t = ms),
    fetch,
    close: () => app.close(),
  };
}
