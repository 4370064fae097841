import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { TEST_PG_URL, testDatabases } from '../../../testing/server/databases.ts';
import { confirm } from '../../../core/protocol/client.ts';
import { revokeApiKey } from '../../store/api-keys.ts';
import { revokeToken } from '../../store/tokens/revoke.ts';
import { activeToken, addUser, apiKey, codeOf, post, provisioned, useHarness, wrongCode } from '../../../testing/server/harness.ts';
import { tokenRow, userRow } from '../../../testing/server/queries.ts';

for (const target of testDatabases()) {
  describe(`POST /aotp/v1/verify (${target.name})`, () => {
    const h = useHarness(target);
    let key: string;
    beforeEach(async () => void (key = await apiKey(h)));
    const verify = (body: unknown, auth: string | null = `Bearer ${key}`) => post(h, 'verify', body, auth === null ? {} : { authorization: auth });

    it('answers 200 ok with tokenId and expiresAt for a right code, and records its step', async () => {
      const token = await activeToken(h, 'format01');
      const res = await verify({ userId: 'Format01', otp: codeOf(token, h.now()) });
      expect(res).toMatchObject({ status: 200, body: { ok: true, tokenId: token.envelope.tokenId, expiresAt: token.envelope.expiresAt } });
      expect((await tokenRow(h, token.envelope.tokenId))!.last_step).toBe(Math.floor(h.now() / 30_000));
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const events = await h.ctx.db.selectFrom('audit').select(['event', 'detail']).where('event', '=', 'login.ok').execute();
      expect(events).toHaveLength(1);
      expect(events[0]!.detail).not.toContain(codeOf(token, h.now()));
    });

    it('accepts the previous and next step (window 1), not two steps away', async () => {
      const token = await activeToken(h, 'format01');
      h.advance(60_000); // past the step that confirmed the token
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now() - 60_000) })).status).toBe(401);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now() - 30_000) })).status).toBe(200);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now() + 30_000) })).status).toBe(200);
    });

    it('answers 401 unauthorized without an API key, with a wrong one, or a revoked one', async () => {
      const token = await activeToken(h, 'format01');
      const body = { userId: 'format01', otp: codeOf(token, h.now()) };
      for (const auth of [null, 'Bearer nope', `Basic ${key}`, key, 'Bearer ']) {
        expect(await verify(body, auth)).toMatchObject({ status: 401, body: { error: 'unauthorized', message: expect.any(String) } });
      }
      const name = (await h.ctx.db.selectFrom('api_keys').select('name').executeTakeFirstOrThrow()).name;
      await revokeApiKey(h.ctx, name);
      h.advance(5_000); // the app remembers a key's validity for 5 s
      expect((await verify(body)).status).toBe(401);
      // Nothing was consumed by the refused requests.
      expect((await tokenRow(h, token.envelope.tokenId))!.last_step).toBe(Math.floor(h.now() / 30_000) - 1);
    });

    it('takes the Bearer scheme in any case, the key itself exactly', async () => {
      const token = await activeToken(h, 'format01');
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) }, `bearer ${key}`)).status).toBe(200);
      h.advance(30_000);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) }, `BEARER ${key}`)).status).toBe(200);
      expect((await verify({ userId: 'format01', otp: '123456' }, `Bearer ${key.toUpperCase()}`)).status).toBe(401);
    });

    it('checks the API key before the body', async () => {
      expect((await verify('{not json', null)).status).toBe(401);
    });

    it('answers 401 invalid_otp for a wrong code and counts one failure', async () => {
      const token = await activeToken(h, 'format01');
      const res = await verify({ userId: 'format01', otp: wrongCode(codeOf(token, h.now())) });
      expect(res).toMatchObject({ status: 401, body: { ok: false, error: 'invalid_otp', message: expect.any(String) } });
      expect((await userRow(h, 'format01')).login_failures).toBe(1);
    });

    it('answers 401 invalid_otp to a replayed code (same step) and to an older step', async () => {
      const token = await activeToken(h, 'format01');
      const code = codeOf(token, h.now());
      expect((await verify({ userId: 'format01', otp: code })).status).toBe(200);
      expect(await verify({ userId: 'format01', otp: code })).toMatchObject({ status: 401, body: { error: 'invalid_otp' } });
      h.advance(30_000);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) })).status).toBe(200);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now() - 30_000) })).status).toBe(401);
      // One failure since the last success.
      expect((await userRow(h, 'format01')).login_failures).toBe(1);
    });

    it('resets the failures on success', async () => {
      const token = await activeToken(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      for (let i = 0; i < 4; i++) await verify({ userId: 'format01', otp: bad });
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) })).status).toBe(200);
      expect(await userRow(h, 'format01')).toMatchObject({ login_failures: 0, login_locked_until: null });
    });

    it('answers 423 locked with retryAfter after 5 failures, then accepts again once the lock has run out', async () => {
      const token = await activeToken(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      for (let i = 0; i < 5; i++) expect((await verify({ userId: 'format01', otp: bad })).status).toBe(401);
      const locked = await verify({ userId: 'format01', otp: codeOf(token, h.now()) });
      expect(locked).toMatchObject({ status: 423, body: { ok: false, error: 'locked', retryAfter: 900, message: expect.any(String) } });
      expect(locked.headers['retry-after']).toBe('900');
      h.advance(600_000);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) })).body).toMatchObject({ error: 'locked', retryAfter: 300 });
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'login.locked').execute()).toHaveLength(1);
      h.advance(300_000);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) })).status).toBe(200);
    });

    it('counts afresh after a lock has run out', async () => {
      const token = await activeToken(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      for (let i = 0; i < 5; i++) await verify({ userId: 'format01', otp: bad });
      h.advance(900_000);
      const badNow = wrongCode(codeOf(token, h.now()));
      expect((await verify({ userId: 'format01', otp: badNow })).status).toBe(401);
      expect(await userRow(h, 'format01')).toMatchObject({ login_failures: 1, login_locked_until: null });
    });

    it('answers 403 no_active_token for a user with none, pending, expired, revoked or superseded tokens, and for an unknown user', async () => {
      const expect403 = async (userId: string, otp = '123456') =>
        expect(await verify({ userId, otp })).toMatchObject({ status: 403, body: { ok: false, error: 'no_active_token', message: expect.any(String) } });
      await addUser(h.ctx, 'none01');
      await expect403('none01');
      await expect403('ghost');
      const pending = await provisioned(h, 'pending01');
      await expect403('pending01', codeOf(pending, h.now()));
      const revoked = await activeToken(h, 'revoked01');
      await revokeToken(h.ctx, revoked.envelope.tokenId);
      await expect403('revoked01', codeOf(revoked, h.now()));
      const superseded = await activeToken(h, 'super01');
      await h.ctx.db.updateTable('tokens').set({ state: 'superseded' }).where('id', '=', superseded.envelope.tokenId).execute();
      await expect403('super01', codeOf(superseded, h.now()));
      const expired = await activeToken(h, 'expired01');
      h.advance(365 * 86_400_000);
      await expect403('expired01', codeOf(expired, h.now()));
      expect((await userRow(h, 'expired01')).login_failures).toBe(0);
    });

    it('accepts a code of any of the user’s active tokens', async () => {
      const first = await activeToken(h, 'format01');
      const second = await activeToken(h, 'format01', 'strong');
      expect(await verify({ userId: 'format01', otp: codeOf(second, h.now()) })).toMatchObject({ status: 200, body: { tokenId: second.envelope.tokenId } });
      expect(await verify({ userId: 'format01', otp: codeOf(first, h.now()) })).toMatchObject({ status: 200, body: { tokenId: first.envelope.tokenId } });
    });

    it('lets exactly one of concurrent verifications of one code succeed, and the copies do not lock the user', async () => {
      const token = await activeToken(h, 'format01');
      const code = codeOf(token, h.now());
      const results = await Promise.all(Array.from({ length: 10 }, () => verify({ userId: 'format01', otp: code })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401 && r.body.error === 'invalid_otp')).toHaveLength(9);
      expect(await userRow(h, 'format01')).toMatchObject({ login_failures: 0, login_locked_until: null });
    });

    it('refuses a replay of the last accepted code without counting it; other wrong codes count', async () => {
      const token = await activeToken(h, 'format01');
      const code = codeOf(token, h.now());
      expect((await verify({ userId: 'format01', otp: code })).status).toBe(200);
      for (let i = 0; i < 10; i++) expect(await verify({ userId: 'format01', otp: code })).toMatchObject({ status: 401, body: { error: 'invalid_otp' } });
      expect((await userRow(h, 'format01')).login_failures).toBe(0);
      // An older step than the last accepted one is not a copy of it: it counts.
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now() - 30_000) })).status).toBe(401);
      expect((await verify({ userId: 'format01', otp: wrongCode(code) })).status).toBe(401);
      expect((await userRow(h, 'format01')).login_failures).toBe(2);
      h.advance(30_000);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) })).status).toBe(200);
    });

    it('refuses the code that confirmed the token, without counting it', async () => {
      const token = await provisioned(h, 'format01');
      const code = codeOf(token, h.now());
      await confirm(h.fetch, token, code);
      expect((await tokenRow(h, token.envelope.tokenId))!.last_step).toBe(Math.floor(h.now() / 30_000));
      expect(await verify({ userId: 'format01', otp: code })).toMatchObject({ status: 401, body: { error: 'invalid_otp' } });
      expect((await userRow(h, 'format01')).login_failures).toBe(0);
      h.advance(30_000);
      expect((await verify({ userId: 'format01', otp: codeOf(token, h.now()) })).status).toBe(200);
    });

    it('counts at most 5 of concurrent wrong codes and answers the others locked; a right one among them is refused once locked', async () => {
      const token = await activeToken(h, 'format01');
      const right = codeOf(token, h.now());
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => verify({ userId: 'format01', otp: i === 29 ? right : wrongCode(right) })));
      const wrong = results.slice(0, 29);
      const last = results[29]!;
      if (last.status === 200) {
        // Accepted before the fifth failure: the count restarted after it.
        expect(wrong.filter((r) => r.status === 401).length).toBeLessThanOrEqual(10);
      } else {
        expect(last).toMatchObject({ status: 423, body: { error: 'locked' } });
        expect(wrong.filter((r) => r.status === 401)).toHaveLength(5);
      }
      expect((await userRow(h, 'format01')).login_failures).toBeLessThanOrEqual(5);
    });

    it('answers 400 to malformed bodies, and tolerates v 1', async () => {
      for (const body of [{ userId: 'format01' }, { userId: 'format01', otp: '12' }, { userId: '', otp: '123456' }, { userId: 'a b', otp: '123456' }, { userId: 'format01', otp: '123456', x: 1 }]) {
        expect(await verify(body)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      }
      expect(await verify({ v: 2, userId: 'format01', otp: '123456' })).toMatchObject({ status: 400, body: { error: 'unsupported_version' } });
      expect((await verify({ v: 1, userId: 'format01', otp: '123456' })).status).toBe(403);
    });

    it('answers no CORS preflight: verify is for servers, not browsers', async () => {
      const pre = await h.app.inject({ method: 'OPTIONS', url: '/aotp/v1/verify', headers: { origin: 'chrome-extension://abc', 'access-control-request-method': 'POST' } });
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
}

for (const target of testDatabases().filter((t) => t.name === 'postgres')) {
  describe('POST /aotp/v1/verify (postgres) beside an instance that stalls holding a token', () => {
    // One opening: the test's own connection goes to the same schema. A short lock timeout keeps the test short.
    const options = { ...target.options(), lockTimeoutMs: 200 };
    const h = useHarness({ name: 'postgres', options: () => options });

    it("answers everyone else's logins; the login on the held token answers 500 and its code still logs in once the row is free", async () => {
      const key = await apiKey(h);
      const verify = (body: unknown) => post(h, 'verify', body, { authorization: `Bearer ${key}` });
      const held = await activeToken(h, 'format01');
      const others = await Promise.all(['format02', 'format03', 'format04'].map((u) => activeToken(h, u)));
      h.advance(30_000); // past the steps that confirmed the tokens
      const before = (await tokenRow(h, held.envelope.tokenId))!.last_step;
      const stalled = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${options.schema}` });
      await stalled.connect();
      try {
        await stalled.query('BEGIN');
        await stalled.query('SELECT 1 FROM tokens WHERE id = $1 FOR UPDATE', [held.envelope.tokenId]);
        const [first, ...rest] = await Promise.all([
          verify({ userId: 'format01', otp: codeOf(held, h.now()) }),
          ...others.map((t, i) => verify({ userId: `format0${i + 2}`, otp: codeOf(t, h.now()) })),
        ]);
        expect(rest.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(first).toMatchObject({ status: 500, body: { error: 'internal_error' } });
        expect((await tokenRow(h, held.envelope.tokenId))!.last_step).toBe(before);
      } finally {
        await stalled.query('ROLLBACK');
        await stalled.end();
      }
      expect(await verify({ userId: 'format01', otp: codeOf(held, h.now()) })).toMatchObject({ status: 200, body: { ok: true } });
      expect((await userRow(h, 'format01')).login_failures).toBe(0);
    });
  });
}
