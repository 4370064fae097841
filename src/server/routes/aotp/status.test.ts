import { describe, expect, it } from 'vitest';
import { b64u } from '../../../core/bytes.ts';
import { confirm, createStatusRequest, renew, status } from '../../../core/protocol/client.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { createApiKey } from '../../store/api-keys.ts';
import { revokeToken } from '../../store/tokens/revoke.ts';
import { activeToken, codeOf, DAY, post, provisioned, useHarness, wrongCode } from '../../../testing/server/harness.ts';
import { tokenRow, userRow } from '../../../testing/server/queries.ts';

for (const target of testDatabases()) {
  describe(`POST /aotp/v1/status (${target.name})`, () => {
    const h = useHarness(target);
    const ts = () => Math.floor(h.now() / 1000);
    const statusOf = (token: Awaited<ReturnType<typeof provisioned>>, otp?: string) =>
      status(h.fetch, { tokenId: token.envelope.tokenId, statusUrl: token.envelope.statusUrl, kStatus: token.kStatus }, h.now(), otp);

    it('answers 200 with status, expiresAt, serverTime and renewOpensAt, and no otpValid without otp', async () => {
      const token = await provisioned(h, 'format01');
      const res = await post(h, 'status', await createStatusRequest(token.envelope.tokenId, token.kStatus, ts()));
      expect(res).toMatchObject({ status: 200 });
      expect(res.body).toEqual({ status: 'pending', expiresAt: '2026-11-28T23:00:00Z', serverTime: ts(), renewOpensAt: '2026-10-29T23:00:00Z' });
    });

    it('reports active, then expired after expiresAt', async () => {
      const token = await activeToken(h, 'format01');
      expect((await statusOf(token)).status).toBe('active');
      h.advance(365 * DAY);
      expect((await statusOf(token)).status).toBe('expired');
    });

    it('reports revoked and superseded tokens', async () => {
      const token = await activeToken(h, 'format01');
      h.advance(340 * DAY);
      const renewed = await renew(h.fetch, { ...token.envelope, renewUrl: token.envelope.renewUrl!, serverUrl: token.envelope.confirmUrl, kStatus: token.kStatus }, h.now(), codeOf(token, h.now()));
      h.advance(30_000);
      await confirm(h.fetch, renewed, codeOf(renewed, h.now()));
      expect((await statusOf(token)).status).toBe('superseded');
      await revokeToken(h.ctx, renewed.envelope.tokenId);
      expect((await statusOf(renewed)).status).toBe('revoked');
      expect(await h.ctx.db.selectFrom('audit').select(['event', 'username']).where('event', '=', 'token.revoked').execute()).toEqual([{ event: 'token.revoked', username: 'format01' }]);
    });

    it('answers 400 clock_skew with serverTime when ts is more than 300 s away, either way', async () => {
      const token = await activeToken(h, 'format01');
      for (const delta of [301, -301]) {
        const res = await post(h, 'status', await createStatusRequest(token.envelope.tokenId, token.kStatus, ts() + delta));
        expect(res).toMatchObject({ status: 400, body: { error: 'clock_skew', message: expect.any(String), serverTime: ts() } });
      }
      for (const delta of [300, -300]) {
        expect((await post(h, 'status', await createStatusRequest(token.envelope.tokenId, token.kStatus, ts() + delta))).status).toBe(200);
      }
    });

    it('answers 401 invalid_mac for an unknown token or a wrong mac', async () => {
      const token = await activeToken(h, 'format01');
      const unknown = await post(h, 'status', await createStatusRequest(b64u(new Uint8Array(16)), token.kStatus, ts()));
      expect(unknown).toMatchObject({ status: 401, body: { error: 'invalid_mac' } });
      const forged = await post(h, 'status', await createStatusRequest(token.envelope.tokenId, new Uint8Array(32), ts()));
      expect(forged).toMatchObject({ status: 401, body: { error: 'invalid_mac' } });
      const tampered = await createStatusRequest(token.envelope.tokenId, token.kStatus, ts(), '123456');
      expect((await post(h, 'status', { ...tampered, otp: '654321' })).status).toBe(401);
    });

    it('checks an otp without using it up: otpValid true, and the same code still logs in', async () => {
      const token = await activeToken(h, 'format01');
      const code = codeOf(token, h.now());
      expect(await statusOf(token, code)).toMatchObject({ status: 'active', otpValid: true });
      // Still the confirming code's step (activeToken confirms with the previous step's code).
      expect((await tokenRow(h, token.envelope.tokenId))!.last_step).toBe(Math.floor(h.now() / 30_000) - 1);
      expect((await post(h, 'verify', { userId: 'format01', otp: code }, { authorization: `Bearer ${(await createApiKey(h.ctx, 'site')).key}` })).status).toBe(200);
    });

    it('answers otpValid false to a wrong otp, counts it and says how many failures are left', async () => {
      const token = await activeToken(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      expect(await statusOf(token, bad)).toMatchObject({ otpValid: false, failuresLeft: 4, lockoutSeconds: 900 });
      expect(await statusOf(token, bad)).not.toHaveProperty('locked');
      expect((await userRow(h, 'format01')).login_failures).toBe(2);
      expect(await statusOf(token, codeOf(token, h.now()))).toEqual(expect.objectContaining({ otpValid: true }));
      expect(await statusOf(token, codeOf(token, h.now()))).not.toHaveProperty('failuresLeft');
      // A right code ends the run of failures.
      expect((await userRow(h, 'format01')).login_failures).toBe(0);
    });

    it('says locked with retryAfter on the failure that locks, and 0 failures left', async () => {
      const token = await activeToken(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      for (const left of [4, 3, 2, 1]) expect((await statusOf(token, bad)).failuresLeft).toBe(left);
      expect(await statusOf(token, bad)).toMatchObject({ status: 'active', otpValid: false, failuresLeft: 0, locked: true, retryAfter: 900 });
    });

    it('answers 200 locked with retryAfter to a locked user, and neither checks nor counts the otp', async () => {
      const token = await activeToken(h, 'format01');
      const bad = wrongCode(codeOf(token, h.now()));
      for (let i = 0; i < 5; i++) await statusOf(token, bad);
      h.advance(60_000);
      const right = await post(h, 'status', await createStatusRequest(token.envelope.tokenId, token.kStatus, ts(), codeOf(token, h.now())));
      expect(right).toMatchObject({ status: 200, body: { status: 'active', otpValid: false, locked: true, retryAfter: 840 } });
      expect(right.body).not.toHaveProperty('failuresLeft');
      expect(await statusOf(token, bad)).toMatchObject({ otpValid: false, locked: true, retryAfter: 840 });
      const user = await userRow(h, 'format01');
      expect(user.login_failures).toBe(5);
      expect(user.login_locked_until).toBe(h.now() + 840_000);
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', 'like', 'login.%').execute()).toHaveLength(5);
      // Without otp, status answers as usual; once the lock is over, codes are checked again.
      expect(await statusOf(token)).not.toHaveProperty('locked');
      h.advance(840_000);
      expect(await statusOf(token, codeOf(token, h.now()))).toMatchObject({ otpValid: true });
      expect((await userRow(h, 'format01')).login_locked_until).toBeNull();
    });

    it('answers otpValid false for a dead token without counting', async () => {
      const token = await activeToken(h, 'format01');
      await revokeToken(h.ctx, token.envelope.tokenId);
      expect(await statusOf(token, codeOf(token, h.now()))).toMatchObject({ status: 'revoked', otpValid: false });
      expect((await userRow(h, 'format01')).login_failures).toBe(0);
    });

    it('answers 400 to malformed requests', async () => {
      const token = await activeToken(h, 'format01');
      const good = await createStatusRequest(token.envelope.tokenId, token.kStatus, ts());
      for (const body of [{ ...good, ts: -1 }, { ...good, ts: 1.5 }, { ...good, ts: '1764370800' }, { ...good, otp: null }, { ...good, mac: '' }]) {
        expect(await post(h, 'status', body)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      }
    });
  });
}
