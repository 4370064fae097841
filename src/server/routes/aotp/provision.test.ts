import { beforeEach, describe, expect, it } from 'vitest';
import { b64u, fromB64u } from '../../../core/bytes.ts';
import { generateActivationCode } from '../../../core/activation-code.ts';
import { confirm, createProvisionRequest, openProvisionResponse, provision } from '../../../core/protocol/client.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { addUser, codeOf, issue, post, PUBLIC_URL, T0, useHarness } from '../../../testing/server/harness.ts';

for (const target of testDatabases()) {
  describe(`POST /aotp/v1/provision (${target.name})`, () => {
    const h = useHarness(target);
    beforeEach(() => addUser(h.ctx, 'format01'));

    /** Sends a provision request for `code` and answers status, body and the client's pending state. */
    async function attempt(code: string, opts: { userId?: string; query?: string } = {}) {
      const { body, pending } = await createProvisionRequest({ serverUrl: `${PUBLIC_URL}/aotp/v1/provision`, userId: opts.userId ?? 'format01', code });
      const res = await post(h, `provision${opts.query ?? '?profile=teleacces'}`, body);
      return { ...res, pending };
    }
    const activation = (id: number) => h.ctx.db.selectFrom('activations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('says a code was replaced by a newer one only after a right proof of it, and does not count it', async () => {
      const older = await issue(h, 'format01');
      const newer = await issue(h, 'format01');
      const replaced = await attempt(older.code);
      expect(replaced).toMatchObject({ status: 401, body: { error: 'invalid_activation_code', replaced: true, message: expect.stringContaining('replaced') } });
      expect((await activation(newer.activationId)).failures).toBe(0);
      const guess = await attempt(generateActivationCode());
      expect(guess.status).toBe(401);
      expect(guess.body).not.toHaveProperty('replaced');
      expect((await activation(newer.activationId)).failures).toBe(1);
      expect((await attempt(newer.code)).status).toBe(200);
    });

    it('stores a device name with NUL, CR/LF, escapes and bidi overrides cleaned, never a 500', async () => {
      const act = await issue(h, 'format01');
      const token = await provision(h.fetch, { serverUrl: act.serverUrl, userId: 'format01', code: act.code, deviceName: 'Edge\u0000\r\n\u001b[31mrouge\u001b[0m \u202eexe.pdf' });
      const stored = await h.ctx.db.selectFrom('tokens').select('device_name').where('id', '=', token.envelope.tokenId).executeTakeFirstOrThrow();
      expect(stored.device_name).toBe('Edge rouge exe.pdf');
    });

    it('stores a device name with quotes, backslashes, braces and commas as it was typed', async () => {
      const act = await issue(h, 'format01');
      const name = 'PC "salle 2", {poste\\B} NULL \\"';
      const token = await provision(h.fetch, { serverUrl: act.serverUrl, userId: 'format01', code: act.code, deviceName: name });
      const stored = await h.ctx.db.selectFrom('tokens').select('device_name').where('id', '=', token.envelope.tokenId).executeTakeFirstOrThrow();
      expect(stored.device_name).toBe(name);
    });

    it('answers 200 with an envelope the client opens, and consumes the activation', async () => {
      const act = await issue(h, 'format01');
      const token = await provision(h.fetch, { serverUrl: act.serverUrl, userId: 'format01', code: act.code, deviceName: 'Edge on Windows' });
      const e = token.envelope;
      expect(e).toMatchObject({
        issuer: 'Téléaccès',
        userId: 'format01',
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        issuedAt: '2025-11-28T23:00:00Z',
        expiresAt: '2026-11-28T23:00:00Z',
        pin: { required: true, minLength: 4 },
        loginOrigins: [PUBLIC_URL],
        portalUrl: `${PUBLIC_URL}/virtuel`,
        confirmUrl: `${PUBLIC_URL}/aotp/v1/confirm`,
        statusUrl: `${PUBLIC_URL}/aotp/v1/status`,
        renewUrl: `${PUBLIC_URL}/aotp/v1/renew`,
        exportable: false,
      });
      expect(fromB64u(e.seed)).toHaveLength(20);
      const row = await activation(act.activationId);
      expect(row).toMatchObject({ state: 'used', used_at: T0, token_id: e.tokenId });
      const stored = await h.ctx.db.selectFrom('tokens').selectAll().where('id', '=', e.tokenId).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ state: 'pending', device_name: 'Edge on Windows', activation_id: act.activationId, profile: 'teleacces' });
      // Secrets at rest are sealed, never the raw seed.
      expect(stored.seed).not.toContain(e.seed);
      expect(h.ctx.masterKey.openSync(stored.seed, `tokens.seed:${e.tokenId}`)).toEqual(fromB64u(e.seed));
      expect(h.ctx.masterKey.openSync(stored.k_status, `tokens.k_status:${e.tokenId}`)).toEqual(token.kStatus);
      await expect(confirm(h.fetch, token, codeOf(token, h.now()))).resolves.toEqual({ status: 'active', expiresAt: '2026-11-28T23:00:00Z' });
    });

    it('shapes the envelope from the profile: algorithm, digits, period, validity, PIN, origins, no renewUrl without renewal', async () => {
      const strongAct = await issue(h, 'format01', 'strong');
      const strong = await provision(h.fetch, { serverUrl: strongAct.serverUrl, userId: 'format01', code: strongAct.code });
      expect(strong.envelope).toMatchObject({
        issuer: 'Fort',
        algorithm: 'SHA256',
        digits: 8,
        period: 60,
        expiresAt: '2026-02-26T23:00:00Z',
        pin: { required: true, minLength: 6 },
        loginOrigins: ['https://login.example', PUBLIC_URL],
        portalUrl: 'https://portal.example/virtuel',
      });
      expect(fromB64u(strong.envelope.seed)).toHaveLength(32);
      expect(codeOf(strong, h.now())).toMatch(/^\d{8}$/);
      await addUser(h.ctx, 'format02');
      const act = await issue(h, 'format02', 'norenew');
      const plain = await provision(h.fetch, { serverUrl: act.serverUrl, userId: 'format02', code: act.code });
      expect(plain.envelope.renewUrl).toBeUndefined();
      expect(plain.envelope.pin).toEqual({ required: false, minLength: 4 });
    });

    it('answers 401 invalid_activation_code for an unknown user', async () => {
      const res = await attempt(generateActivationCode(), { userId: 'nobody' });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_activation_code', message: expect.any(String) });
    });

    it('answers 401 invalid_activation_code when the user has no activation', async () => {
      expect((await attempt(generateActivationCode())).status).toBe(401);
    });

    it('answers 401 invalid_activation_code for a profile without this activation, or unknown', async () => {
      const act = await issue(h, 'format01', 'teleacces');
      expect((await attempt(act.code, { query: '?profile=strong' })).status).toBe(401);
      expect((await attempt(act.code, { query: '?profile=nope' })).body.error).toBe('invalid_activation_code');
      expect((await activation(act.activationId)).failures).toBe(0);
    });

    it('uses the default profile when the URL has no profile', async () => {
      const act = await issue(h, 'format01');
      expect((await attempt(act.code, { query: '' })).status).toBe(200);
    });

    it('answers 401 for a wrong proof and counts one failure', async () => {
      const act = await issue(h, 'format01');
      const res = await attempt(generateActivationCode());
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_activation_code');
      expect(await activation(act.activationId)).toMatchObject({ failures: 1, state: 'open' });
      const audit = await h.ctx.db.selectFrom('audit').selectAll().where('event', '=', 'activation.failed').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.detail).not.toContain(act.code);
    });

    it('checks the newest activation of the user only', async () => {
      const old = await issue(h, 'format01');
      await issue(h, 'format01');
      expect((await attempt(old.code)).status).toBe(401);
    });

    it('answers 423 activation_locked once burned by failures, whatever the proof', async () => {
      const act = await issue(h, 'format01');
      for (let i = 0; i < 5; i++) expect((await attempt(generateActivationCode())).status).toBe(401);
      expect(await activation(act.activationId)).toMatchObject({ state: 'locked', k_ac: null });
      const right = await attempt(act.code);
      expect(right.status).toBe(423);
      expect(right.body).toEqual({ error: 'activation_locked', message: expect.any(String) });
      expect((await attempt(generateActivationCode())).status).toBe(423);
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'activation.locked').execute()).toHaveLength(1);
    });

    it('answers 410 activation_expired for a right proof after the validity', async () => {
      const act = await issue(h, 'format01');
      h.advance(72 * 3_600_000);
      const res = await attempt(act.code);
      expect(res.status).toBe(410);
      expect(res.body.error).toBe('activation_expired');
      // A wrong proof is still a 401, not a hint that the activation exists.
      expect((await attempt(generateActivationCode())).status).toBe(401);
    });

    it('answers 409 activation_used for a right proof once consumed', async () => {
      const act = await issue(h, 'format01');
      expect((await attempt(act.code)).status).toBe(200);
      const again = await attempt(act.code);
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error: 'activation_used', message: expect.any(String) });
    });

    it('lets exactly one of concurrent provisions with one code succeed', async () => {
      const act = await issue(h, 'format01');
      const results = await Promise.all(Array.from({ length: 8 }, () => attempt(act.code)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true);
      const winner = results.find((r) => r.status === 200)!;
      const token = await openProvisionResponse(winner.pending, winner.body);
      const tokens = await h.ctx.db.selectFrom('tokens').select('id').execute();
      expect(tokens).toEqual([{ id: token.envelope.tokenId }]);
    });

    it('answers 400 invalid_request to a client key off the curve, leaving the activation usable', async () => {
      const act = await issue(h, 'format01');
      const { body } = await createProvisionRequest({ serverUrl: `${PUBLIC_URL}/aotp/v1/provision`, userId: 'format01', code: act.code });
      const bad = new Uint8Array(65);
      bad[0] = 4;
      // The proof covers the client key, so it is made for the bad key with the real K_ac.
      const { deriveActivationKey, provisionProofInput, mac } = await import('../../../core/protocol/keys.ts');
      const kAc = await deriveActivationKey(act.code, 'format01');
      const proof = b64u(await mac(kAc, provisionProofInput('format01', b64u(bad), body.nonce)));
      const res = await post(h, 'provision?profile=teleacces', { ...body, clientKey: b64u(bad), proof });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect((await activation(act.activationId)).state).toBe('open');
    });

    it('answers 400 to unknown fields, wrong types and wrong lengths, and 400 unsupported_version to v 2', async () => {
      const act = await issue(h, 'format01');
      const { body } = await createProvisionRequest({ serverUrl: `${PUBLIC_URL}/aotp/v1/provision`, userId: 'format01', code: act.code });
      const cases: Array<[unknown, string]> = [
        [{ ...body, extra: 1 }, 'invalid_request'],
        [{ ...body, userId: 5 }, 'invalid_request'],
        [{ ...body, nonce: b64u(new Uint8Array(15)) }, 'invalid_request'],
        [{ ...body, proof: 'not base64url!' }, 'invalid_request'],
        [{ ...body, device: { name: 'x'.repeat(65) } }, 'invalid_request'],
        [{ ...body, v: undefined }, 'invalid_request'],
        [{ ...body, v: 2 }, 'unsupported_version'],
        [{ ...body, v: '1' }, 'unsupported_version'],
        [[body], 'invalid_request'],
      ];
      for (const [payload, error] of cases) {
        const res = await post(h, 'provision?profile=teleacces', payload);
        expect(res.status, JSON.stringify(payload).slice(0, 80)).toBe(400);
        expect(res.body).toEqual({ error, message: expect.any(String) });
      }
      expect((await post(h, 'provision?profile=teleacces&profile=strong', body)).status).toBe(400);
      expect(await activation(act.activationId)).toMatchObject({ state: 'open', failures: 0 });
    });

    it('answers 413, 415 and 400 to an oversized body, another content type and malformed JSON', async () => {
      const big = await post(h, 'provision', JSON.stringify({ v: 1, userId: 'format01', pad: 'x'.repeat(17 * 1024) }));
      expect(big.status).toBe(413);
      expect(big.body).toEqual({ error: 'payload_too_large', message: expect.any(String) });
      const form = await post(h, 'provision', 'v=1', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
      const text = await post(h, 'provision', '{"v":1}', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      const broken = await post(h, 'provision', '{"v":1,');
      expect(broken).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      const proto = await post(h, 'provision', '{"__proto__":{"x":1},"v":1}');
      expect(proto).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      const empty = await post(h, 'provision', '');
      expect(empty).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    });

    it('answers 404 not_found in the error shape for an unknown endpoint or method', async () => {
      const res = await post(h, 'nope', {});
      expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
      const get = await h.app.inject({ method: 'GET', url: '/aotp/v1/provision' });
      expect(get.statusCode).toBe(404);
      expect(get.json()).toMatchObject({ error: 'not_found' });
    });

    it('allows any origin (CORS) and sets the security headers', async () => {
      const pre = await h.app.inject({ method: 'OPTIONS', url: '/aotp/v1/provision?profile=teleacces', headers: { origin: 'chrome-extension://abc', 'access-control-request-method': 'POST' } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      expect(pre.headers['access-control-allow-headers']).toBe('content-type');
      const res = await attempt(generateActivationCode());
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    });
  });
}
