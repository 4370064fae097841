import { describe, expect, it } from 'vitest';
import { b64u } from '../../../core/bytes.ts';
import { confirm, createConfirmRequest } from '../../../core/protocol/client.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { RATE_LIMITS } from '../../store/rate-limits.ts';
import { tokenRow } from '../../../testing/server/queries.ts';
import { activeToken, codeOf, post, provisioned, useHarness, wrongCode } from '../../../testing/server/harness.ts';

for (const target of testDatabases()) {
  describe(`POST /aotp/v1/confirm (${target.name})`, () => {
    const h = useHarness(target);

    it('answers 200 active with expiresAt and activates the pending token', async () => {
      const token = await provisioned(h, 'format01');
      const res = await post(h, 'confirm', await createConfirmRequest(token.envelope.tokenId, token.kStatus, codeOf(token, h.now())));
      expect(res).toMatchObject({ status: 200, body: { status: 'active', expiresAt: token.envelope.expiresAt } });
      expect(await tokenRow(h, token.envelope.tokenId)).toMatchObject({ state: 'active', confirmed_at: h.now() });
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'token.confirmed').execute()).toHaveLength(1);
    });

    it('counts at most 5 of concurrent wrong codes on a pending token; the others find it gone', async () => {
      const token = await provisioned(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      const results = await Promise.all(Array.from({ length: 20 }, async () => post(h, 'confirm', await createConfirmRequest(token.envelope.tokenId, token.kStatus, bad))));
      expect(results.filter((r) => r.status === 401 && r.body.error === 'invalid_otp')).toHaveLength(5);
      expect(results.filter((r) => r.status === 401 && r.body.error === 'invalid_mac')).toHaveLength(15);
      expect(await tokenRow(h, token.envelope.tokenId)).toBeUndefined();
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'token.confirm_failed').execute()).toHaveLength(5);
    });

    /** Confirms a pending token of each of `users` at once with their right codes, the rate limits scaled by `factor`. */
    async function confirmAtOnce(users: string[], factor: number) {
      const tokens = [];
      for (const user of users) tokens.push(await provisioned(h, user));
      const before = h.ctx.config.rateLimitFactor;
      h.ctx.config.rateLimitFactor = factor;
      try {
        const results = await Promise.all(tokens.map(async (t) => post(h, 'confirm', await createConfirmRequest(t.envelope.tokenId, t.kStatus, codeOf(t, h.now())))));
        const states = await Promise.all(tokens.map(async (t) => (await tokenRow(h, t.envelope.tokenId))?.state));
        return { results, states };
      } finally {
        h.ctx.config.rateLimitFactor = before;
      }
    }

    it('confirms only within the address limit: of simultaneous first confirmations from one address, the ones past it get 429 and stay pending', async () => {
      const { results, states } = await confirmAtOnce(Array.from({ length: 10 }, (_, i) => `format${String(i + 1).padStart(2, '0')}`), 0.05);
      const allowed = Math.floor(RATE_LIMITS.confirm.ip.max * 0.05);
      expect(results.filter((r) => r.status === 200)).toHaveLength(allowed);
      expect(results.filter((r) => r.status === 429 && r.body.error === 'rate_limited')).toHaveLength(10 - allowed);
      expect(states.filter((s) => s === 'active')).toHaveLength(allowed);
      expect(states.filter((s) => s === 'pending')).toHaveLength(10 - allowed);
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'token.confirmed').execute()).toHaveLength(allowed);
    });

    it('confirms only within the user limit: of simultaneous confirmations of one user\'s tokens, the ones past it get 429 and stay pending', async () => {
      const { results, states } = await confirmAtOnce(['format01', 'format01', 'format01'], 0.1);
      const allowed = Math.floor(RATE_LIMITS.confirm.user.max * 0.1);
      expect(results.filter((r) => r.status === 200)).toHaveLength(allowed);
      expect(results.filter((r) => r.status === 429 && r.body.error === 'rate_limited')).toHaveLength(3 - allowed);
      expect(states.filter((s) => s === 'pending')).toHaveLength(3 - allowed);
    });

    it('accepts a code one step early or late, not two', async () => {
      const token = await provisioned(h, 'format01');
      await expect(confirm(h.fetch, token, codeOf(token, h.now() - 60_000))).rejects.toMatchObject({ code: 'invalid_otp' });
      await expect(confirm(h.fetch, token, codeOf(token, h.now() + 30_000))).resolves.toMatchObject({ status: 'active' });
    });

    it('answers the same to a second confirmation of an active token with a valid code', async () => {
      const token = await activeToken(h, 'format01');
      h.advance(30_000);
      await expect(confirm(h.fetch, token, codeOf(token, h.now()))).resolves.toEqual({ status: 'active', expiresAt: token.envelope.expiresAt });
    });

    it('answers 401 invalid_mac for an unknown token', async () => {
      const token = await provisioned(h, 'format01');
      const other = b64u(crypto.getRandomValues(new Uint8Array(16)));
      const res = await post(h, 'confirm', await createConfirmRequest(other, token.kStatus, codeOf(token, h.now())));
      expect(res).toMatchObject({ status: 401, body: { error: 'invalid_mac', message: expect.any(String) } });
    });

    it('answers 401 invalid_mac for a wrong mac, without counting a failure', async () => {
      const token = await provisioned(h, 'format01');
      const res = await post(h, 'confirm', await createConfirmRequest(token.envelope.tokenId, new Uint8Array(32), codeOf(token, h.now())));
      expect(res).toMatchObject({ status: 401, body: { error: 'invalid_mac' } });
      expect(await tokenRow(h, token.envelope.tokenId)).toMatchObject({ state: 'pending', confirm_failures: 0 });
    });

    it('answers 401 invalid_otp for a wrong code and counts it', async () => {
      const token = await provisioned(h, 'format01');
      const res = await post(h, 'confirm', await createConfirmRequest(token.envelope.tokenId, token.kStatus, wrongCode(codeOf(token, h.now()))));
      expect(res).toMatchObject({ status: 401, body: { error: 'invalid_otp', message: expect.any(String) } });
      expect(await tokenRow(h, token.envelope.tokenId)).toMatchObject({ state: 'pending', confirm_failures: 1 });
    });

    it('discards the pending token after 5 wrong codes', async () => {
      const token = await provisioned(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      for (let i = 0; i < 5; i++) await expect(confirm(h.fetch, token, bad)).rejects.toMatchObject({ code: 'invalid_otp' });
      expect(await tokenRow(h, token.envelope.tokenId)).toBeUndefined();
      await expect(confirm(h.fetch, token, codeOf(token, h.now()))).rejects.toMatchObject({ code: 'invalid_mac' });
    });

    it('discards a pending token not confirmed within the activation validity', async () => {
      const token = await provisioned(h, 'format01');
      h.advance(72 * 3_600_000);
      await expect(confirm(h.fetch, token, codeOf(token, h.now()))).rejects.toMatchObject({ code: 'invalid_mac' });
      expect(await tokenRow(h, token.envelope.tokenId)).toBeUndefined();
    });

    it('counts a wrong code on an active token as a failed login, and refuses a locked user with 423', async () => {
      const token = await activeToken(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      for (let i = 0; i < 5; i++) await expect(confirm(h.fetch, token, bad)).rejects.toMatchObject({ code: 'invalid_otp' });
      const res = await post(h, 'confirm', await createConfirmRequest(token.envelope.tokenId, token.kStatus, codeOf(token, h.now())));
      expect(res.status).toBe(423);
      expect(res.body).toMatchObject({ error: 'locked', retryAfter: 900 });
      expect(res.headers['retry-after']).toBe('900');
    });

    it('answers 403 no_active_token for a revoked token', async () => {
      const token = await activeToken(h, 'format01');
      await h.ctx.db.updateTable('tokens').set({ state: 'revoked' }).execute();
      const res = await post(h, 'confirm', await createConfirmRequest(token.envelope.tokenId, token.kStatus, codeOf(token, h.now())));
      expect(res).toMatchObject({ status: 403, body: { error: 'no_active_token' } });
    });

    it('answers 400 to malformed requests and unsupported versions', async () => {
      const token = await provisioned(h, 'format01');
      const good = await createConfirmRequest(token.envelope.tokenId, token.kStatus, codeOf(token, h.now()));
      for (const body of [{ ...good, otp: '12345' }, { ...good, otp: 123456 }, { ...good, tokenId: 'abc' }, { ...good, x: null }, {}]) {
        expect((await post(h, 'confirm', body)).body).toMatchObject({ error: 'invalid_request' });
      }
      expect(await post(h, 'confirm', { ...good, v: 2 })).toMatchObject({ status: 400, body: { error: 'unsupported_version' } });
    });
  });
}
