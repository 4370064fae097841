import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateActivationCode } from '../../core/activation-code.ts';
import { createProvisionRequest, createStatusRequest } from '../../core/protocol/client.ts';
import { openDatabase, type DatabaseHandle } from '../db/index.ts';
import { freshSchema, TEST_PG_URL, testDatabases } from '../../testing/server/databases.ts';
import { MasterKey } from '../secrets.ts';
import { activeToken, post, PUBLIC_URL, T0, useHarness } from '../../testing/server/harness.ts';
import { startServer, type ServerProcess } from '../../testing/server/processes.ts';
import { hitRateLimit, purgeRateLimits, RATE_LIMITS } from './rate-limits.ts';

const provisionBody = async (userId: string) => (await createProvisionRequest({ serverUrl: `${PUBLIC_URL}/aotp/v1/provision`, userId, code: generateActivationCode() })).body;

for (const target of testDatabases()) {
  describe(`rate limits (${target.name})`, () => {
    const h = useHarness(target);

    it('counts per address and per user in fixed windows, and says how long to wait', async () => {
      const { max, windowSeconds } = RATE_LIMITS.provision.user;
      for (let i = 0; i < max; i++) expect(await hitRateLimit(h.ctx, 'provision', { ip: '192.0.2.1', user: 'format01' })).toBeNull();
      h.advance(20_000);
      expect(await hitRateLimit(h.ctx, 'provision', { ip: '192.0.2.2', user: 'format01' })).toBe(windowSeconds - 20);
      // Another user from the first address is not held back by format01's count.
      expect(await hitRateLimit(h.ctx, 'provision', { ip: '192.0.2.1', user: 'format02' })).toBeNull();
      h.advance((windowSeconds - 20) * 1000);
      expect(await hitRateLimit(h.ctx, 'provision', { ip: '192.0.2.1', user: 'format01' })).toBeNull();
    });

    it('counts concurrent hits exactly: one UPSERT each', async () => {
      const { max } = RATE_LIMITS.status.user;
      const results = await Promise.all(Array.from({ length: max + 25 }, (_, i) => hitRateLimit(h.ctx, 'status', { ip: `198.51.100.${i}`, user: 'format01' })));
      expect(results.filter((r) => r === null)).toHaveLength(max);
      const row = await h.ctx.db.selectFrom('rate_limits').select('hits').where('key', '=', 'status|user|format01').executeTakeFirstOrThrow();
      expect(row.hits).toBe(max + 25);
    });

    it('starts a new window for a hit that arrives with one of the last window (PostgreSQL batches them together)', async () => {
      const { windowSeconds } = RATE_LIMITS.status.user;
      const first = hitRateLimit(h.ctx, 'status', { ip: '203.0.113.1', user: 'format01' });
      h.advance(windowSeconds * 1000);
      const second = hitRateLimit(h.ctx, 'status', { ip: '203.0.113.1', user: 'format01' });
      expect(await Promise.all([first, second])).toEqual([null, null]);
      const row = await h.ctx.db.selectFrom('rate_limits').select(['hits', 'window_start']).where('key', '=', 'status|user|format01').executeTakeFirstOrThrow();
      expect(row.hits).toBe(1);
      expect(Number(row.window_start)).toBe(h.ctx.now() - (h.ctx.now() % (windowSeconds * 1000)));
    });

    it('answers 429 rate_limited with Retry-After in the protocol shape on provision', async () => {
      const body = await provisionBody('format01');
      for (let i = 0; i < RATE_LIMITS.provision.user.max; i++) expect((await post(h, 'provision', body)).status).toBe(401);
      const res = await post(h, 'provision', body);
      expect(res).toMatchObject({ status: 429, body: { error: 'rate_limited', message: expect.any(String), retryAfter: 60 } });
      expect(res.headers['retry-after']).toBe('60');
    });

    it('limits status per user once the request is known to be theirs', async () => {
      const token = await activeToken(h, 'format01');
      const ts = Math.floor(h.now() / 1000);
      const request = await createStatusRequest(token.envelope.tokenId, token.kStatus, ts);
      const answers = [];
      for (let i = 0; i < RATE_LIMITS.status.user.max + 1; i++) answers.push((await post(h, 'status', request)).status);
      // activeToken's confirmation went through another bucket.
      expect(answers.slice(0, -1).every((s) => s === 200)).toBe(true);
      expect(answers.at(-1)).toBe(429);
    });

    it('drops rows whose window is over', async () => {
      await hitRateLimit(h.ctx, 'login', { ip: '192.0.2.1', user: 'format01' });
      h.advance(3_600_000);
      await hitRateLimit(h.ctx, 'login', { ip: '192.0.2.9' });
      expect(await purgeRateLimits(h.ctx)).toBe(2);
      expect(await h.ctx.db.selectFrom('rate_limits').select('key').execute()).toEqual([{ key: 'login|ip|192.0.2.9' }]);
    });

    it('turns off with JETON_RATE_LIMIT_FACTOR=0 and scales with another factor', async () => {
      const off = { ...h.ctx, config: { ...h.ctx.config, rateLimitFactor: 0 } };
      for (let i = 0; i < 50; i++) expect(await hitRateLimit(off, 'renew', { ip: '192.0.2.1', user: 'u' })).toBeNull();
      const half = { ...h.ctx, config: { ...h.ctx.config, rateLimitFactor: 0.5 } };
      const results = [];
      for (let i = 0; i < 10; i++) results.push(await hitRateLimit(half, 'provision', { ip: '192.0.2.1', user: 'v' }));
      expect(results.filter((r) => r === null)).toHaveLength(5);
    });
  });
}

describe.runIf(process.env.JETON_TEST_PG !== '0')('rate limits shared by two server processes on one PostgreSQL schema', () => {
  let handle: DatabaseHandle;
  let servers: ServerProcess[] = [];
  beforeAll(async () => {
    const schema = freshSchema();
    handle = await openDatabase({ databaseUrl: TEST_PG_URL, schema, poolSize: 2 });
    const env = { DATABASE_URL: TEST_PG_URL, JETON_DATABASE_SCHEMA: schema, JETON_MASTER_KEY: MasterKey.generate().toText(), JETON_TEST_NOW: String(T0), JETON_DATA_DIR: mkdtempSync(join(tmpdir(), 'jeton-rl-')) };
    servers = await Promise.all([startServer(env), startServer(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await handle?.close();
  });

  it('counts one window across both: of 16 simultaneous provisions for one user, 10 pass the limit', async () => {
    const body = JSON.stringify(await provisionBody('format01'));
    const statuses = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const res = await fetch(`${servers[i % 2]!.url}/aotp/v1/provision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.text();
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(RATE_LIMITS.provision.user.max);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16 - RATE_LIMITS.provision.user.max);
  }, 60_000);
});
