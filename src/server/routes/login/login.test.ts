import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromB64u } from '../../../core/bytes.ts';
import { confirm, provision, type ProvisionedToken } from '../../../core/protocol/client.ts';
import { generateTOTP } from '../../../core/totp.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testDatabases } from '../../db/test-databases.ts';
import { issueActivation } from '../../store/activations.ts';
import { createUser } from '../../store/users.ts';
import { Browser, injectTransport, textOf } from '../../web/test-browser.ts';
import { openTestDb, peopleHarness, type PeopleHarness } from '../../web/test-context.ts';

const codeOf = (token: ProvisionedToken, at: number): string =>
  generateTOTP({ seed: fromB64u(token.envelope.seed), algorithm: token.envelope.algorithm, digits: token.envelope.digits, period: token.envelope.period }, at);
const other = (code: string): string => code.replace(/^./, (d) => String((Number(d) + 1) % 10));

for (const target of testDatabases()) {
  describe(`sample login page /login (${target.name})`, () => {
    let db: DatabaseHandle;
    let h: PeopleHarness;
    let b: Browser;
    let token: ProvisionedToken;
    beforeAll(async () => void (db = await openTestDb(target.options())));
    afterAll(() => db.close());
    beforeEach(async () => {
      h = await peopleHarness(db);
      b = new Browser(injectTransport(h.app));
      const user = await createUser(h.ctx, { username: 'format01', email: 'f@example.org', questions: [{ question: 'Q ?', answer: 'R' }], password: 'motdepasse-1' });
      await createUser(h.ctx, { username: 'notoken', email: 'n@example.org', questions: [{ question: 'Q ?', answer: 'R' }], password: 'motdepasse-2' });
      const act = await issueActivation(h.ctx, user, 'teleacces');
      token = await provision(h.fetch, { serverUrl: act.serverUrl, userId: 'format01', code: act.code, deviceName: 'Edge' });
      await confirm(h.fetch, token, codeOf(token, h.now()));
      h.advance(30_000);
    });
    afterEach(() => h.close());

    const login = async (form: Record<string, string>) => {
      await b.get('/login');
      return b.post('/login', form);
    };

    it('offers a form the extension can fill: otp field with one-time-code and numeric input', async () => {
      const page = await b.get('/login');
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/<input[^>]*id="otp"/);
      const otp = /<input[^>]*id="otp"[^>]*>/.exec(page.body)![0];
      expect(otp).toContain('name="otp"');
      expect(otp).toContain('autocomplete="one-time-code"');
      expect(otp).toContain('inputmode="numeric"');
      expect(page.body).toContain('Code du jeton');
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
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

    it('refuses a wrong code, then locks with the minutes left', async () => {
      const bad = other(codeOf(token, h.now()));
      for (let i = 0; i < 4; i++) {
        const res = await login({ username: 'format01', password: 'motdepasse-1', otp: bad });
        expect(res.status).toBe(401);
        expect(textOf(res.body, 'login-result')).toContain('Code du jeton incorrect');
      }
      expect((await login({ username: 'format01', password: 'motdepasse-1', otp: bad })).status).toBe(401);
      const locked = await login({ username: 'format01', password: 'motdepasse-1', otp: codeOf(token, h.now()) });
      expect(locked.status).toBe(423);
      expect(textOf(locked.body, 'login-result')).toContain('encore 15 minute(s)');
    });

    it('asks for all three fields and checks the CSRF token', async () => {
      expect((await login({ username: 'format01', password: '', otp: '' })).status).toBe(400);
      await b.get('/login');
      expect((await b.post('/login', { csrf: 'forged', username: 'format01', password: 'motdepasse-1', otp: codeOf(token, h.now()) })).status).toBe(403);
      expect((await b.post('/login', { username: 'format01', password: 'motdepasse-1', otp: codeOf(token, h.now()) }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    });

    it('speaks English with ?lang=en', async () => {
      await b.get('/login?lang=en');
      const res = await b.post('/login?lang=en', { username: 'format01', password: 'motdepasse-1', otp: codeOf(token, h.now()) });
      expect(textOf(res.body, 'login-result')).toContain('Logged in. Welcome, format01');
    });
  });
}
