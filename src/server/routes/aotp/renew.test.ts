import { describe, expect, it } from 'vitest';
import { b64u, fromB64u } from '../../../core/bytes.ts';
import { confirm, createRenewRequest, openRenewResponse, renew, type ProvisionedToken } from '../../../core/protocol/client.ts';
import { mac, macInput } from '../../../core/protocol/keys.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { revokeToken } from '../../store/tokens/revoke.ts';
import { verifyCode } from '../../verify.ts';
import { activeToken, codeOf, DAY, post, provisioned, PUBLIC_URL, useHarness, wrongCode } from '../../../testing/server/harness.ts';
import { tokenRow, userRow } from '../../../testing/server/queries.ts';

for (const target of testDatabases()) {
  describe(`POST /aotp/v1/renew (${target.name})`, () => {
    const h = useHarness(target);

    const handle = (t: ProvisionedToken) => ({
      tokenId: t.envelope.tokenId,
      userId: t.envelope.userId,
      serverUrl: `${PUBLIC_URL}/aotp/v1/provision`,
      renewUrl: `${PUBLIC_URL}/aotp/v1/renew`,
      kStatus: t.kStatus,
    });
    const renewNow = (t: ProvisionedToken, otp = codeOf(t, h.now())) => renew(h.fetch, handle(t), h.now(), otp);
    async function renewRaw(t: ProvisionedToken, opts: { otp?: string; ts?: number; kStatus?: Uint8Array } = {}) {
      const { body, pending } = await createRenewRequest({ ...handle(t), kStatus: opts.kStatus ?? t.kStatus }, opts.ts ?? Math.floor(h.now() / 1000), opts.otp ?? codeOf(t, h.now()));
      return { ...(await post(h, 'renew', body)), pending };
    }

    it('answers 200 with a new pending token sealed under the old K_status; the old one works until the new is confirmed', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(335 * DAY);
      const res = await renewRaw(old);
      expect(res.status).toBe(200);
      const fresh = await openRenewResponse(res.pending, res.body);
      expect(fresh.envelope).toMatchObject({ userId: 'format01', issuedAt: '2026-10-29T23:00:00Z', expiresAt: '2027-10-29T23:00:00Z', renewUrl: `${PUBLIC_URL}/aotp/v1/renew` });
      expect(fresh.envelope.tokenId).not.toBe(old.envelope.tokenId);
      expect(fromB64u(fresh.envelope.seed)).not.toEqual(fromB64u(old.envelope.seed));
      expect(await tokenRow(h, fresh.envelope.tokenId)).toMatchObject({ state: 'pending', renews_token_id: old.envelope.tokenId, device_name: 'Firefox on Linux' });

      h.advance(30_000);
      expect(await verifyCode(h.ctx, 'format01', codeOf(old, h.now()))).toMatchObject({ ok: true, tokenId: old.envelope.tokenId });
      h.advance(30_000);
      await confirm(h.fetch, fresh, codeOf(fresh, h.now()));
      expect(await tokenRow(h, old.envelope.tokenId)).toMatchObject({ state: 'superseded' });
      expect(await tokenRow(h, fresh.envelope.tokenId)).toMatchObject({ state: 'active' });
      expect(await verifyCode(h.ctx, 'format01', codeOf(old, h.now()))).toMatchObject({ ok: false, error: 'invalid_otp' });
      h.advance(30_000);
      expect(await verifyCode(h.ctx, 'format01', codeOf(fresh, h.now()))).toMatchObject({ ok: true, tokenId: fresh.envelope.tokenId });
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'token.renewed').execute()).toHaveLength(1);
    });

    it('counts the renewal code as a use: the same code is then a replay', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(335 * DAY);
      const code = codeOf(old, h.now());
      await renewNow(old, code);
      expect(await verifyCode(h.ctx, 'format01', code)).toMatchObject({ ok: false, error: 'invalid_otp' });
      const again = await renewRaw(old, { otp: code });
      expect(again).toMatchObject({ status: 401, body: { error: 'invalid_otp' } });
    });

    it('answers 403 renewal_not_open before expiresAt minus the renewal window', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(335 * DAY - 1000);
      const res = await renewRaw(old);
      expect(res).toMatchObject({ status: 403, body: { error: 'renewal_not_open', message: expect.any(String) } });
      // Refused before the code is looked at: it still logs in.
      expect(await verifyCode(h.ctx, 'format01', codeOf(old, h.now()))).toMatchObject({ ok: true });
    });

    it('answers 403 renewal_disabled for a profile without renewal', async () => {
      const old = await activeToken(h, 'format01', 'norenew');
      h.advance(340 * DAY);
      const res = await renewRaw(old);
      expect(res).toMatchObject({ status: 403, body: { error: 'renewal_disabled' } });
    });

    it('answers 401 invalid_mac for a wrong mac or an unknown token', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(340 * DAY);
      expect(await renewRaw(old, { kStatus: new Uint8Array(32) })).toMatchObject({ status: 401, body: { error: 'invalid_mac' } });
      const ghost = { ...old, envelope: { ...old.envelope, tokenId: b64u(new Uint8Array(16)) } };
      expect(await renewRaw(ghost)).toMatchObject({ status: 401, body: { error: 'invalid_mac' } });
    });

    it('answers 400 clock_skew when ts is more than 300 s away', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(340 * DAY);
      const res = await renewRaw(old, { ts: Math.floor(h.now() / 1000) - 301 });
      expect(res).toMatchObject({ status: 400, body: { error: 'clock_skew', serverTime: Math.floor(h.now() / 1000) } });
    });

    it('answers 401 invalid_otp to a wrong code and counts a failed login', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(340 * DAY);
      expect(await renewRaw(old, { otp: wrongCode(codeOf(old, h.now())) })).toMatchObject({ status: 401, body: { error: 'invalid_otp' } });
      expect((await userRow(h, 'format01')).login_failures).toBe(1);
      expect(await h.ctx.db.selectFrom('tokens').select('id').where('state', '=', 'pending').execute()).toEqual([]);
    });

    it('answers 423 locked when the user is locked', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(340 * DAY);
      const bad = wrongCode(codeOf(old, h.now()));
      for (let i = 0; i < 5; i++) await verifyCode(h.ctx, 'format01', bad);
      const res = await renewRaw(old);
      expect(res).toMatchObject({ status: 423, body: { error: 'locked', retryAfter: 900 } });
    });

    it('answers 403 no_active_token for a pending, revoked, superseded or expired token', async () => {
      const pending = await provisioned(h, 'format01');
      expect(await renewRaw(pending)).toMatchObject({ status: 403, body: { error: 'no_active_token' } });

      const revoked = await activeToken(h, 'format02');
      await revokeToken(h.ctx, revoked.envelope.tokenId);
      expect(await renewRaw(revoked)).toMatchObject({ status: 403, body: { error: 'no_active_token' } });

      const old = await activeToken(h, 'format03');
      h.advance(340 * DAY);
      const fresh = await renewNow(old);
      h.advance(30_000);
      await confirm(h.fetch, fresh, codeOf(fresh, h.now()));
      h.advance(30_000);
      expect(await renewRaw(old)).toMatchObject({ status: 403, body: { error: 'no_active_token' } });

      h.advance(30 * DAY);
      const expiredOld = await activeToken(h, 'format04');
      h.advance(365 * DAY);
      expect(await renewRaw(expiredOld)).toMatchObject({ status: 403, body: { error: 'no_active_token' } });
    });

    it('keeps only the newest pending renewal, and drops a renewal whose old token was revoked', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(340 * DAY);
      const first = await renewNow(old);
      h.advance(30_000);
      const second = await renewNow(old);
      expect(await tokenRow(h, first.envelope.tokenId)).toBeUndefined();
      await revokeToken(h.ctx, old.envelope.tokenId);
      await expect(confirm(h.fetch, second, codeOf(second, h.now()))).rejects.toMatchObject({ code: 'invalid_mac' });
    });

    it('answers 400 invalid_request to a client key off the curve without using the code up', async () => {
      const old = await activeToken(h, 'format01');
      const confirmedStep = (await tokenRow(h, old.envelope.tokenId))!.last_step;
      h.advance(340 * DAY);
      const { body } = await createRenewRequest(handle(old), Math.floor(h.now() / 1000), codeOf(old, h.now()));
      const badKey = new Uint8Array(65);
      badKey[0] = 4;
      const macValue = await mac(old.kStatus, macInput.renew(body.tokenId, b64u(badKey), body.nonce, body.ts, body.otp));
      const res = await post(h, 'renew', { ...body, clientKey: b64u(badKey), mac: b64u(macValue) });
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect((await tokenRow(h, old.envelope.tokenId))!.last_step).toBe(confirmedStep);
      expect((await userRow(h, 'format01')).login_failures).toBe(0);
    });

    it('answers 403 no_active_token when confirming a renewal whose old token was superseded meanwhile', async () => {
      const old = await activeToken(h, 'format01');
      h.advance(340 * DAY);
      const fresh = await renewNow(old);
      await h.ctx.db.updateTable('tokens').set({ state: 'superseded' }).where('id', '=', old.envelope.tokenId).execute();
      await expect(confirm(h.fetch, fresh, codeOf(fresh, h.now()))).rejects.toMatchObject({ code: 'no_active_token' });
      expect(await tokenRow(h, fresh.envelope.tokenId)).toBeUndefined();
    });
  });
}
