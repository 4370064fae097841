import { beforeEach, describe, expect, it } from 'vitest';
import { confirm, provision, type ProvisionedToken } from '../../../core/protocol/client.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { issueActivation } from '../../store/activations.ts';
import { createUser } from '../../store/users.ts';
import { Browser, injectTransport, textOf } from '../../../testing/server/browser.ts';
import { codeOf, useHarness, wrongCode } from '../../../testing/server/harness.ts';

for (const target of testDatabases()) {
  describe(`sample login page /login (${target.name})`, () => {
    const h = useHarness(target);
    let b: Browser;
    let token: ProvisionedToken;
    beforeEach(async () => {
      b = new Browser(injectTransport(h.app));
      const user = await createUser(h.ctx, { username: 'format01', email: 'f@example.org', questions: [{ question: 'Q ?', answer: 'R' }], password: 'motdepasse-1' });
      await createUser(h.ctx, { username: 'notoken', email: 'n@example.org', questions: [{ question: 'Q ?', answer: 'R' }], password: 'motdepasse-2' });
      const act = await issueActivation(h.ctx, user, 'teleacces');
      token = await provision(h.fetch, { serverUrl: act.serverUrl, userId: 'format01', code: act.code, deviceName: 'Edge' });
      await confirm(h.fetch, token, codeOf(token, h.now()));
      h.advance(30_000);
    });

    /** Both steps, as a person would: password page, then the code page; the answer of the last step. */
    const login = async (form: { username: string; password: string; otp: string }, lang = '') => {
      await b.get(`/login${lang}`);
      const first = await b.post(`/login${lang}`, { username: form.username, password: form.password });
      if (first.status !== 303) return first;
      expect(first.location).toBe(`/login/code${lang || '?lang=fr'}`);
      await b.follow(first);
      return b.post(`/login/code${lang}`, { otp: form.otp });
    };

    it('asks for the username and password first, with no code field', async () => {
      const page = await b.get('/login');
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/<input[^>]*name="username"[^>]*autocomplete="username"/);
      expect(page.body).toMatch(/<input[^>]*name="password"/);
      expect(page.body).not.toContain('name="otp"');
      expect(page.body).not.toMatch(/remplir|fill/i);
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    });

    it('leads a right password to a second page with only the access code field', async () => {
      await b.get('/login');
      const first = await b.post('/login', { username: 'Format01', password: 'motdepasse-1' });
      expect(first.status).toBe(303);
      const page = await b.follow(first);
      expect(page.status).toBe(200);
      const otp = /<input[^>]*id="otp"[^>]*>/.exec(page.body)![0];
      expect(otp).toContain('name="otp"');
      expect(otp).toContain('autocomplete="one-time-code"');
      expect(otp).toContain('inputmode="numeric"');
      expect(page.body).toContain('<label for="otp">Code d’accès</label>');
      expect(page.body).toMatch(/<form method="post"/);
      expect(page.body).not.toContain('name="password"');
      expect(textOf(page.body, 'login-user')).toContain('format01');
    });

    it('holds the step in a signed, HttpOnly cookie and writes no session row', async () => {
      const first = await b.get('/login');
      expect(first.headers['set-cookie']).toMatch(/^jeton-login=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/);
      await b.post('/login', { username: 'format01', password: 'motdepasse-1' });
      expect(await h.ctx.db.selectFrom('portal_sessions').select('id').execute()).toEqual([]);
      // A cookie changed by the visitor is not believed: back to the password page.
      const cookie = b.cookies.get('jeton-login')!;
      const [body, mac] = cookie.split('.');
      const forged = JSON.parse(Buffer.from(body!, 'base64url').toString()) as { v: { username: string } };
      forged.v.username = 'notoken';
      b.cookies.set('jeton-login', `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`);
      expect(await b.get('/login/code')).toMatchObject({ status: 303, location: '/login?lang=fr' });
    });

    it('sends the code page back to the password page once the step has expired', async () => {
      await b.get('/login');
      await b.post('/login', { username: 'format01', password: 'motdepasse-1' });
      expect((await b.get('/login/code')).status).toBe(200);
      h.advance(5 * 60_000 + 1);
      expect(await b.get('/login/code')).toMatchObject({ status: 303, location: '/login?lang=fr' });
    });

    it('logs in with the password and the current code', async () => {
      const res = await login({ username: 'Format01', password: 'motdepasse-1', otp: codeOf(token, h.now()) });
      expect(res.status).toBe(200);
      expect(textOf(res.body, 'login-result')).toContain('Connexion réussie. Bienvenue, format01');
      expect(textOf(res.body, 'login-result')).toContain('2026');
    });

    it('says the password is wrong the same way for unknown users', async () => {
      const wrong = await login({ username: 'format01', password: 'nope-nope', otp: codeOf(token, h.now()) });
      const unknown = await login({ username: 'ghost', password: 'nope-nope', otp: '123456' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(textOf(wrong.body, 'login-result')).toBe('Nom d’utilisateur ou mot de passe incorrect.');
      expect(textOf(unknown.body, 'login-result')).toBe(textOf(wrong.body, 'login-result'));
    });

    it('says when there is no active token', async () => {
      const res = await login({ username: 'notoken', password: 'motdepasse-2', otp: '123456' });
      expect(res.status).toBe(403);
      expect(textOf(res.body, 'login-result')).toContain('Aucun jeton actif');
    });

    it('refuses a wrong code on the code page, then locks with the minutes left', async () => {
      const bad = wrongCode(codeOf(token, h.now()));
      for (let i = 0; i < 5; i++) {
        const res = await login({ username: 'format01', password: 'motdepasse-1', otp: bad });
        expect(res.status).toBe(401);
        expect(textOf(res.body, 'login-result')).toContain('Code d’accès incorrect');
        expect(res.body).toContain('name="otp"');
      }
      const locked = await b.post('/login/code', { otp: codeOf(token, h.now()) });
      expect(locked.status).toBe(423);
      expect(textOf(locked.body, 'login-result')).toBe('Trop de codes incorrects\u202f: connexion bloquée pour encore 15\u00a0minutes.');
    });

    it('answers a locked user the same whether the password is right or wrong', async () => {
      await h.ctx.db.updateTable('users').set({ login_failures: 5, login_locked_until: h.now() + 60_000 }).execute();
      const right = await login({ username: 'format01', password: 'motdepasse-1', otp: '000000' });
      const wrong = await login({ username: 'format01', password: 'nope-nope', otp: '000000' });
      expect(right.status).toBe(423);
      expect(wrong.status).toBe(423);
      expect(textOf(right.body, 'login-result')).toBe('Trop de codes incorrects\u202f: connexion bloquée pour encore 1\u00a0minute.');
      expect(textOf(wrong.body, 'login-result')).toBe(textOf(right.body, 'login-result'));
    });

    it('asks for each step’s fields and checks the CSRF token', async () => {
      await b.get('/login');
      expect((await b.post('/login', { username: 'format01', password: '' })).status).toBe(400);
      expect((await b.post('/login', { csrf: 'forged', username: 'format01', password: 'motdepasse-1' })).status).toBe(403);
      expect((await b.post('/login', { username: 'format01', password: 'motdepasse-1' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      await b.get('/login');
      await b.follow(await b.post('/login', { username: 'format01', password: 'motdepasse-1' }));
      expect((await b.post('/login/code', { otp: '' })).status).toBe(400);
      expect((await b.post('/login/code', { csrf: 'forged', otp: codeOf(token, h.now()) })).status).toBe(403);
      // Without the password step, the code page is not reachable.
      const fresh = new Browser(injectTransport(h.app));
      expect(await fresh.get('/login/code')).toMatchObject({ status: 303, location: '/login?lang=fr' });
      expect((await fresh.post('/login/code', { csrf: 'x', otp: codeOf(token, h.now()) })).status).toBe(403);
    });

    it('limits password attempts per user: the eleventh in 5 minutes gets a 429 page with Retry-After', async () => {
      await b.get('/login');
      for (let i = 0; i < 10; i++) expect((await b.post('/login', { username: 'format01', password: `wrong-${i}` })).status).toBe(401);
      const limited = await b.post('/login', { username: 'FORMAT01', password: 'motdepasse-1' });
      expect(limited.status).toBe(429);
      // Fixed windows of 5 minutes; the test's clock stands 30 s into one.
      expect(limited.headers['retry-after']).toBe('270');
      expect(textOf(limited.body, 'rate-limited')).toBe('Vous avez envoyé trop de demandes en peu de temps. Réessayez dans 5\u00a0minutes.');
      // Another user from the same address is not held back.
      await b.get('/login');
      expect((await b.post('/login', { username: 'notoken', password: 'motdepasse-2' })).status).toBe(303);
      h.advance(300_000);
      await b.get('/login');
      expect((await b.post('/login', { username: 'format01', password: 'motdepasse-1' })).status).toBe(303);
    });

    it('speaks English with ?lang=en', async () => {
      const res = await login({ username: 'format01', password: 'motdepasse-1', otp: codeOf(token, h.now()) }, '?lang=en');
      expect(textOf(res.body, 'login-result')).toContain('Logged in. Welcome, format01');
      await b.get('/login?lang=en');
      const code = await b.follow(await b.post('/login?lang=en', { username: 'format01', password: 'motdepasse-1' }));
      expect(code.body).toContain('<label for="otp">Access code</label>');
    });
  });
}
