/**
 * Every form of the portal and the login page, fed malformed input: wrong or
 * missing CSRF tokens, sessions at every step, odd fields, repeated fields,
 * huge values, JSON, other content types, odd languages. The answer is always
 * a page and never a 5xx.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../testing/server/databases.ts';
import { createUser } from '../../store/users.ts';
import type { PortalState } from '../../web/session.ts';
import { T0, useHarness } from '../../../testing/server/harness.ts';

const ROUTES = ['/virtuel/identify', '/virtuel/verify', '/virtuel/activation', '/virtuel/finalize', '/virtuel/tokens/revoke', '/virtuel/logout', '/login', '/login/code'] as const;
const FIELDS = ['username', 'answer', 'password', 'otp', 'tokenId', '__proto__', 'constructor'];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  { weight: 3, arbitrary: fc.constantFrom('format01', 'FORMAT01', 'ghost', '', ' ', 'rouge', '123456', '000000', "' OR 1=1 --", '<script>alert(1)</script>', '%00', '\u0000', '../../etc') },
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n)),
  // What breaks storage and terminals: NUL, CR/LF, ESC, C1, bidi overrides, lone surrogates.
  fc.string({ unit: fc.constantFrom('\u0000', '\r', '\n', '\t', '\u001b', '\u0085', '\u202e', '\ud800', 'a', 'é', '1'), maxLength: 40 }),
);

interface Input {
  route: (typeof ROUTES)[number];
  step: 'none' | 'pre' | 'identify' | 'verify-known' | 'verify-unknown' | 'menu' | 'login-password' | 'login-code';
  csrf: 'right' | 'wrong' | 'missing' | 'twice';
  /** Start from the route's valid fields, then add the random ones. */
  valid: boolean;
  fields: Array<[string, string]>;
  body: 'form' | 'raw' | 'json' | 'other-type' | 'none';
  raw: string;
  lang: string;
  acceptLanguage: string;
}

const input: fc.Arbitrary<Input> = fc.record({
  route: fc.constantFrom(...ROUTES),
  step: fc.constantFrom('none', 'pre', 'identify', 'verify-known', 'verify-unknown', 'menu', 'login-password', 'login-code'),
  csrf: fc.constantFrom('right', 'right', 'wrong', 'missing', 'twice'),
  valid: fc.boolean(),
  fields: fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELDS) }, fc.string({ maxLength: 10 })), text), { maxLength: 4 }),
  body: fc.constantFrom('form', 'form', 'form', 'raw', 'json', 'other-type', 'none'),
  raw: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('csrf=%ZZ&username=%', '&&&==', 'a=1&a=2&a[]=3', '{"csrf":1}')),
  lang: fc.oneof(fc.constantFrom('fr', 'en', 'de', '', 'EN'), fc.string({ maxLength: 8 })),
  acceptLanguage: fc.oneof(fc.constantFrom('en', 'fr-CA,fr;q=0.9', 'en;q=abc', '*', ''), fc.string({ unit: fc.constantFrom(...'abcdefqEN-;=,.0123456789 '), maxLength: 40 })),
});

for (const target of testDatabases()) {
  describe(`forms under fuzzing (${target.name})`, () => {
    // Rate limits off: every input must reach the handlers, not stop at the limiter.
    const h = useHarness(target, { env: { JETON_RATE_LIMIT_FACTOR: '0' } });
    let userId: number;
    let questionId: number;
    beforeEach(async () => {
      userId = (await createUser(h.ctx, { username: 'format01', email: 'f@example.org', questions: [{ question: 'Q ?', answer: 'rouge' }], password: 'motdepasse-1' })).id;
      questionId = (await h.ctx.db.selectFrom('security_questions').select('id').executeTakeFirstOrThrow()).id;
    });

    const VALID: Record<(typeof ROUTES)[number], Array<[string, string]>> = {
      '/virtuel/identify': [['username', 'format01']],
      '/virtuel/verify': [['answer', 'rouge']],
      '/virtuel/activation': [],
      '/virtuel/finalize': [],
      '/virtuel/tokens/revoke': [['tokenId', 'unknown']],
      '/virtuel/logout': [],
      '/login': [
        ['username', 'format01'],
        ['password', 'motdepasse-1'],
      ],
      '/login/code': [['otp', '123456']],
    };
    /** Signed-cookie steps (no row): taken from the real pages once per test, with their CSRF tokens. */
    const signed: Partial<Record<Input['step'], { cookie: string; csrf: string }>> = {};
    async function signedSteps(): Promise<void> {
      const cookieOf = (res: { headers: Record<string, unknown> }): string => String(res.headers['set-cookie']).split(';')[0]!;
      const csrfOf = (body: string): string => /name="csrf" value="([^"]+)"/.exec(body)![1]!;
      const pre = await h.app.inject({ method: 'GET', url: '/virtuel' });
      signed.pre = { cookie: cookieOf(pre), csrf: csrfOf(pre.body) };
      const login = await h.app.inject({ method: 'GET', url: '/login' });
      signed['login-password'] = { cookie: cookieOf(login), csrf: csrfOf(login.body) };
      const posted = await h.app.inject({
        method: 'POST',
        url: '/login',
        headers: { cookie: cookieOf(login), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf: csrfOf(login.body), username: 'format01', password: 'motdepasse-1' }).toString(),
      });
      expect(posted.statusCode).toBe(303);
      const code = await h.app.inject({ method: 'GET', url: '/login/code', headers: { cookie: cookieOf(posted) } });
      signed['login-code'] = { cookie: cookieOf(posted), csrf: csrfOf(code.body) };
    }

    /** A session row at the given step, made directly (no scrypt per run). */
    async function session(step: Input['step']): Promise<{ cookie: string; csrf: string } | null> {
      if (step === 'none') return null;
      if (step === 'pre' || step === 'login-password' || step === 'login-code') return signed[step]!;
      const states: Record<Exclude<Input['step'], 'none' | 'pre' | 'login-password' | 'login-code'>, PortalState> = {
        identify: { step: 'identify' },
        'verify-known': { step: 'verify', username: 'format01', known: true, questionId },
        'verify-unknown': { step: 'verify', username: 'ghost', known: false, questionId: null },
        menu: { step: 'menu', username: 'format01', userId },
      };
      const cookie = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      const id = createHash('sha256').update(cookie).digest('base64url');
      await h.ctx.db.insertInto('portal_sessions').values({ id, data: JSON.stringify(states[step]), csrf, created_at: T0, expires_at: T0 + 600_000 }).execute();
      return { cookie: `jeton=${cookie}`, csrf };
    }

    it('answers every malformed form with a page and a 4xx or 2xx/3xx, never a 5xx', async () => {
      await signedSteps();
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(input, async (i) => {
          const s = await session(i.step);
          const fields: Array<[string, string]> = [...(i.valid ? VALID[i.route] : []), ...i.fields];
          if (s && i.csrf === 'right') fields.unshift(['csrf', s.csrf]);
          if (i.csrf === 'wrong') fields.unshift(['csrf', 'A'.repeat(43)]);
          if (s && i.csrf === 'twice') fields.unshift(['csrf', s.csrf], ['csrf', s.csrf]);
          const headers: Record<string, string> = { 'accept-language': i.acceptLanguage };
          if (s) headers.cookie = s.cookie;
          let payload: string | undefined;
          if (i.body === 'form') {
            headers['content-type'] = 'application/x-www-form-urlencoded';
            payload = new URLSearchParams(fields).toString();
          } else if (i.body === 'raw') {
            headers['content-type'] = 'application/x-www-form-urlencoded';
            payload = i.raw;
          } else if (i.body === 'json') {
            headers['content-type'] = 'application/json';
            payload = i.raw.startsWith('{') ? i.raw : JSON.stringify(Object.fromEntries(fields));
          } else if (i.body === 'other-type') {
            headers['content-type'] = 'application/xml';
            payload = i.raw;
          }
          const res = await h.app.inject({ method: 'POST', url: `${i.route}?lang=${encodeURIComponent(i.lang)}`, headers, ...(payload === undefined ? {} : { payload }) });
          seen.add(res.statusCode);
          if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${JSON.stringify(i).slice(0, 500)}: ${res.body.slice(0, 300)}`);
          expect(res.statusCode).toBeGreaterThanOrEqual(200);
          if (res.statusCode >= 400 && res.statusCode !== 415) expect(res.headers['content-type']).toContain('text/html');
        }),
        { numRuns: target.name === 'sqlite' ? 300 : 120, seed: 20261128 },
      );
      // The inputs reached past the CSRF check into the handlers, not only the front door.
      expect([...seen].sort()).toEqual(expect.arrayContaining([200, 303, 400, 403, 413, 415]));
    }, 120_000);

    it('answers odd GETs with a page, never a 5xx', async () => {
      await signedSteps();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/virtuel', '/virtuel/', '/virtuel/verify', '/virtuel/menu', '/virtuel/tokens', '/virtuel/restart', '/virtuel/not-me', '/login', '/login/code', '/login/%00', '/virtuel/assets/x', '/virtuel/%ZZ'),
          fc.constantFrom('none', 'pre', 'identify', 'verify-known', 'verify-unknown', 'menu', 'login-password', 'login-code') as fc.Arbitrary<Input['step']>,
          fc.string({ maxLength: 30 }),
          async (path, step, query) => {
            const s = await session(step);
            const res = await h.app.inject({ method: 'GET', url: `${path}?username=${encodeURIComponent(query)}&lang=${encodeURIComponent(query)}`, headers: s ? { cookie: s.cookie } : {} });
            expect(res.statusCode).toBeLessThan(500);
          },
        ),
        { numRuns: 100, seed: 20261129 },
      );
    }, 60_000);
  });
}
