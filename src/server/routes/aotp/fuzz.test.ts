/**
 * Fuzzing of every protocol endpoint: whatever a client sends — any JSON,
 * right fields with wrong values, mutated valid requests, huge values, other
 * content types, broken bytes — the answer is a 4xx in the error shape, never
 * a 5xx, never a crash.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConfirmRequest, createProvisionRequest, createRenewRequest, createStatusRequest, type ProvisionedToken } from '../../../core/protocol/client.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { activeToken, addUser, apiKey, codeOf, issue, PUBLIC_URL, useHarness } from '../../../testing/server/harness.ts';

const ENDPOINTS = ['provision?profile=teleacces', 'confirm', 'status', 'renew', 'verify'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const FIELDS = ['v', 'userId', 'clientKey', 'nonce', 'proof', 'device', 'tokenId', 'otp', 'mac', 'ts', 'name', '__proto__', 'constructor', 'prototype'];

/** Text made of what breaks storage and terminals: NUL, CR/LF, ESC, C1, bidi overrides, lone surrogates. */
const controlText = fc.string({ unit: fc.constantFrom('\u0000', '\r', '\n', '\t', '\u001b', '[', '2', 'J', '\u0085', '\u009b', '\u202e', '\u2066', '\ud800', '\udfff', 'a', 'é', '😀'), maxLength: 64 });

/** Values of every JSON kind, with the edge cases the validators must survive. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(1, 0, -1, 1.5, 2 ** 53, -(2 ** 53), 1e308, '', '1', 'AAAA', '\u0000', '\ud800', 'é'.repeat(70), null, true, [], {}),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'A'.repeat(n)),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64url')),
  controlText,
  controlText.map((name) => ({ name })),
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=latin1',
  '',
];

function isProtocolError(status: number, body: string): boolean {
  if (status < 400 || status > 499) return false;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return false;
  }
  const j = json as Record<string, unknown>;
  return typeof j === 'object' && j !== null && typeof j.error === 'string' && typeof j.message === 'string';
}

for (const target of testDatabases()) {
  // PostgreSQL round trips are slower: fewer runs there, the same properties.
  const runs = target.name === 'sqlite' ? 120 : 30;

  describe(`protocol endpoints under fuzzing (${target.name})`, () => {
    // Rate limits off: every input must reach the handlers, not stop at the limiter.
    const h = useHarness(target, { env: { JETON_RATE_LIMIT_FACTOR: '0' } });
    let key: string;
    let token: ProvisionedToken;
    const valid: Partial<Record<Endpoint, Record<string, unknown>>> = {};

    beforeEach(async () => {
      key = await apiKey(h);
      token = await activeToken(h, 'format01');
      h.advance(340 * 86_400_000); // inside the renewal window, so renew requests get far
      await addUser(h.ctx, 'format02');
      const act = await issue(h, 'format02');
      const ts = Math.floor(h.now() / 1000);
      const otp = codeOf(token, h.now());
      valid['provision?profile=teleacces'] = { ...(await createProvisionRequest({ serverUrl: `${PUBLIC_URL}/aotp/v1/provision`, userId: 'format02', code: act.code })).body };
      valid.confirm = { ...(await createConfirmRequest(token.envelope.tokenId, token.kStatus, otp)) };
      valid.status = { ...(await createStatusRequest(token.envelope.tokenId, token.kStatus, ts, otp)) };
      const handle = { tokenId: token.envelope.tokenId, userId: 'format01', serverUrl: `${PUBLIC_URL}/aotp/v1/provision`, kStatus: token.kStatus };
      valid.renew = { ...(await createRenewRequest(handle, ts, otp)).body };
      valid.verify = { userId: 'format01', otp };
    });

    async function send(endpoint: Endpoint, payload: string, contentType: string, auth = true) {
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      if (auth && endpoint === 'verify') headers.authorization = `Bearer ${key}`;
      return h.app.inject({ method: 'POST', url: `/aotp/v1/${endpoint}`, headers, payload });
    }

    it('stores any device name of control characters as a clean label, never a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(controlText, async (deviceName) => {
          const act = await issue(h, 'format02');
          const { body } = await createProvisionRequest({ serverUrl: `${PUBLIC_URL}/aotp/v1/provision`, userId: 'format02', code: act.code, deviceName });
          const res = await send('provision?profile=teleacces', JSON.stringify(body), 'application/json');
          expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
        }),
        { numRuns: runs },
      );
      const names = await h.ctx.db.selectFrom('tokens').select('device_name').execute();
      // eslint-disable-next-line no-control-regex -- control characters are what must not be stored
      for (const { device_name } of names) expect(device_name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    });

    it('answers a 4xx in the error shape to any profile in the provision URL', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(controlText, fc.string({ maxLength: 40 }), fc.constantFrom('__proto__', 'constructor', 'toString', '%00', '')), async (profile) => {
          const res = await h.app.inject({ method: 'POST', url: `/aotp/v1/provision?profile=${[...Buffer.from(profile)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(valid['provision?profile=teleacces']) });
          expect(res.statusCode === 200 || isProtocolError(res.statusCode, res.body), `${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
        }),
        { numRuns: runs },
      );
    });

    for (const endpoint of ENDPOINTS) {
      const name = endpoint.replace(/\?.*/, '');

      it(`answers a 4xx in the error shape to any JSON value on /${name}`, async () => {
        await fc.assert(
          fc.asyncProperty(anyValue, async (value) => {
            const res = await send(endpoint, JSON.stringify(value) ?? 'null', 'application/json');
            expect(isProtocolError(res.statusCode, res.body), `${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
          }),
          { numRuns: runs },
        );
      });

      it(`answers a 4xx in the error shape to the right fields with wrong values on /${name}`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 8 }), async (body) => {
            const res = await send(endpoint, JSON.stringify(body), 'application/json');
            expect(isProtocolError(res.statusCode, res.body), `${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
          }),
          { numRuns: runs },
        );
      });

      it(`answers a 4xx (or a protocol answer) to mutations of a valid request on /${name}`, async () => {
        const base = valid[endpoint]!;
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...Object.keys(base), 'extra'), anyValue, fc.boolean(), async (field, value, drop) => {
            const body: Record<string, unknown> = { ...base };
            if (drop) delete body[field];
            else body[field] = value;
            const res = await send(endpoint, JSON.stringify(body), 'application/json');
            // A mutation may leave the request valid (e.g. `device` dropped): then a 2xx is right.
            const ok = res.statusCode >= 200 && res.statusCode < 300;
            expect(ok || isProtocolError(res.statusCode, res.body), `${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
          }),
          { numRuns: runs },
        );
      });

      it(`answers a 4xx in the error shape to any bytes under any content type on /${name}`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')), fc.integer({ min: 16_000, max: 40_000 }).map((n) => `{"v":1,"userId":"${'x'.repeat(n)}"}`)),
            fc.constantFrom(...CONTENT_TYPES),
            fc.boolean(),
            async (payload, contentType, auth) => {
              const res = await send(endpoint, payload, contentType, auth);
              expect(isProtocolError(res.statusCode, res.body), `${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
            },
          ),
          { numRuns: runs },
        );
      });
    }
  });
}
