import { beforeEach, describe, expect, it } from 'vitest';
import { confirm, provision } from '../../../core/protocol/client.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { createUser } from '../../store/users.ts';
import { renderToString } from 'preact-render-to-string';
import { DECOY_QUESTIONS, IMAGE_CATALOGUE } from '../../web/decoy.ts';
import { PatternImage } from '../../views/portal.tsx';
import { Browser, injectTransport, textOf } from '../../../testing/server/browser.ts';
import { codeOf, T0, useHarness, type Harness } from '../../../testing/server/harness.ts';

const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));

async function addPerson(h: Harness, username = 'format01', extra: { image?: boolean } = {}) {
  return createUser(h.ctx, {
    username,
    email: `${username}@example.org`,
    questions: [{ question: 'Quelle est la couleur de votre premier vélo ?', answer: 'Rouge Érable' }],
    message: 'Bonjour Format, bonne garde !',
    password: 'mot-de-passe-1',
    ...(extra.image ? { image: { type: 'image/png', data: PNG } } : {}),
  });
}

/** identify → the verify page, for `username`. */
async function identify(b: Browser, username: string, lang = 'fr') {
  await b.get(`/virtuel?lang=${lang}`);
  const res = await b.post(`/virtuel/identify?lang=${lang}`, { username });
  expect(res.status).toBe(303);
  return b.follow(res);
}

for (const target of testDatabases()) {
  describe(`portal /virtuel (${target.name})`, () => {
    const h = useHarness(target);
    let b: Browser;
    beforeEach(() => void (b = new Browser(injectTransport(h.app))));

    it('walks identify → verify → menu → activation → finalize → devices → revoke', async () => {
      await addPerson(h);
      const start = await b.get('/virtuel');
      expect(start.status).toBe(200);
      expect(start.body).toContain('<html lang="fr">');
      expect(start.body).toContain('Nom d’utilisateur');

      const verify = await identify(b, '  Format01 ');
      expect(verify.status).toBe(200);
      expect(verify.body).toContain('Bonjour Format, bonne garde !');
      expect(textOf(verify.body, 'question')).toBe('Quelle est la couleur de votre premier vélo ?');
      expect(verify.body).toContain('Afficher en clair');
      expect(verify.body).toMatch(/<input type="password" id="answer"/);

      const wrong = await b.post('/virtuel/verify?lang=fr', { answer: 'bleu' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toContain('Il vous reste 2\u00a0essais');

      const cookieBefore = [...b.cookies.values()][0];
      const right = await b.post('/virtuel/verify?lang=fr', { answer: '  rouge erable ' });
      expect(right.status).toBe(303);
      expect(right.location).toBe('/virtuel/menu?lang=fr');
      expect([...b.cookies.values()][0]).not.toBe(cookieBefore); // a new session once verified
      const menu = await b.follow(right);
      expect(menu.body).toContain('Ajouter un autre appareil AOTP');
      expect(menu.body).toContain('Vérifier la date d’expiration');

      const activation = await b.post('/virtuel/activation?lang=fr', {});
      expect(activation.status).toBe(200);
      const code = /data-value="(\d{8})"/.exec(activation.body)?.[1];
      expect(code).toMatch(/^\d{8}$/);
      expect(textOf(activation.body, 'activation-code')).toBe(`${code!.slice(0, 4)} ${code!.slice(4)}`);
      expect(textOf(activation.body, 'server-url')).toBe('http://127.0.0.1:8080/aotp/v1/provision?profile=teleacces');
      expect(textOf(activation.body, 'user-id')).toBe('format01');
      const link = textOf(activation.body, 'activation-link')!;
      expect(link).toBe(`otp://p?u=${encodeURIComponent('http://127.0.0.1:8080/aotp/v1/provision?profile=teleacces')}&n=format01&c=${code}`);
      // No QR code: nothing Jeton ships reads one; the link is pasted.
      expect(activation.body).not.toMatch(/<svg/);
      expect(activation.headers['cache-control']).toBe('no-store');
      expect(h.mail).toHaveLength(1);
      expect(h.mail[0]!.to).toBe('format01@example.org');
      expect(h.mail[0]!.text).toContain(link);

      let finalize = await b.post('/virtuel/finalize?lang=fr', {});
      expect(finalize.body).toContain('data-progress="waiting"');

      const token = await provision(h.fetch, { serverUrl: textOf(activation.body, 'server-url')!, userId: 'format01', code: code!, deviceName: 'Chrome sur Windows' });
      finalize = await b.post('/virtuel/finalize?lang=fr', {});
      expect(finalize.body).toContain('data-progress="provisioned"');
      await confirm(h.fetch, token, codeOf(token, h.now()));
      finalize = await b.post('/virtuel/finalize?lang=fr', {});
      expect(finalize.body).toContain('data-progress="active"');
      expect(finalize.body).toContain('Chrome sur Windows');

      const tokens = await b.get('/virtuel/tokens?lang=fr');
      expect(tokens.body).toContain('Chrome sur Windows');
      expect(tokens.body).toContain('<td>365</td>'); // days left
      expect(tokens.body).toContain('28 novembre 2026');
      const revoked = await b.post('/virtuel/tokens/revoke?lang=fr', { tokenId: token.envelope.tokenId });
      expect(revoked.status).toBe(303);
      const after = await b.follow(revoked);
      expect(after.body).toContain('a été retiré');
      expect(after.body).toContain('Aucun appareil');
      const row = await h.ctx.db.selectFrom('tokens').select('state').where('id', '=', token.envelope.tokenId).executeTakeFirstOrThrow();
      expect(row.state).toBe('revoked');

      await b.get('/virtuel/menu?lang=fr');
      const out = await b.post('/virtuel/logout?lang=fr', {});
      expect(out.status).toBe(200);
      expect((await b.get('/virtuel/menu')).status).toBe(303);

      const events = (await h.ctx.db.selectFrom('audit').select('event').orderBy('id').execute()).map((r) => r.event);
      expect(events).toEqual(
        expect.arrayContaining(['user.created', 'portal.identified', 'portal.answer_failed', 'portal.answer_ok', 'activation.issued', 'portal.finalized', 'token.revoked', 'portal.logout']),
      );
      const details = (await h.ctx.db.selectFrom('audit').select('detail').execute()).map((r) => r.detail).join('\n');
      expect(details).not.toContain(code!);
    });

    it('« Ce n’est pas moi » goes back to the start and tells the user to call the service centre', async () => {
      await addPerson(h);
      const verify = await identify(b, 'format01');
      expect(verify.body).toContain('href="/virtuel/not-me?lang=fr"');
      const notMe = await b.get('/virtuel/not-me?lang=fr');
      expect(notMe.status).toBe(200);
      expect(textOf(notMe.body, 'not-me')).toContain('appelez votre centre de services');
      expect((await b.get('/virtuel/verify?lang=fr')).status).toBe(303);
      expect(textOf((await b.get('/virtuel/not-me?lang=en')).body, 'not-me')).toContain('call your service centre');
      expect(notMe.body).not.toContain('id="service-centre"');
    });

    it('« Ce n’est pas moi » gives the service centre’s number when the server has one', async () => {
      await h.reset({ env: { JETON_SERVICE_CENTRE: '1 877 644-4545 <poste 2>' } });
      b = new Browser(injectTransport(h.app));
      const notMe = await b.get('/virtuel/not-me?lang=fr');
      expect(textOf(notMe.body, 'service-centre')).toBe('Centre de services\u202f: 1 877 644-4545 <poste 2>');
      expect(notMe.body).not.toContain('<poste');
      expect(textOf((await b.get('/virtuel/not-me?lang=en')).body, 'service-centre')).toBe('Service centre: 1 877 644-4545 <poste 2>');
    });

    it('shows the personal image when the user has one', async () => {
      await addPerson(h, 'imagee', { image: true });
      const verify = await identify(b, 'imagee');
      expect(verify.body).toContain('src="data:image/png;base64,');
    });

    it('gives an unknown username a stable decoy with the same page shape', async () => {
      await addPerson(h);
      const first = await identify(b, 'nobody.here');
      const again = await identify(new Browser(injectTransport(h.app)), 'NOBODY.here');
      const strip = (html: string) => html.replace(/name="csrf" value="[^"]+"/, '');
      expect(first.status).toBe(200);
      expect(strip(again.body)).toBe(strip(first.body));
      const other = await identify(new Browser(injectTransport(h.app)), 'someone.else');
      expect(strip(other.body)).not.toBe(strip(first.body));

      const known = await identify(new Browser(injectTransport(h.app)), 'format01');
      const shape = (html: string) => [...html.matchAll(/<(\w+)[^>]*?(?:id="([^"]+)")?[^>]*>/g)].map((m) => `${m[1]}#${m[2] ?? ''}`).filter((s) => !s.startsWith('rect'));
      expect(shape(first.body)).toEqual(shape(known.body));

      const wrong = await b.post('/virtuel/verify', { answer: 'anything' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toContain('Il vous reste 2\u00a0essais');
    });

    it('shows users set up from the catalogues with the same question and image catalogues as decoys', async () => {
      await createUser(h.ctx, { username: 'catalog01', email: 'c@example.org', questions: [{ question: DECOY_QUESTIONS[3]!, answer: 'Laval' }], image: { catalogue: 5 } });
      const svgOf = (html: string) => /<svg[\s\S]*?<\/svg>/.exec(html)?.[0];
      const catalogue = IMAGE_CATALOGUE.map((pattern) => renderToString(PatternImage({ pattern, label: 'Votre image personnelle' })));
      const real = await identify(b, 'catalog01');
      expect(textOf(real.body, 'question')).toBe(DECOY_QUESTIONS[3]);
      expect(svgOf(real.body)).toBe(catalogue[4]);
      for (const name of ['nobody.here', 'someone.else', 'ghost42']) {
        const decoy = await identify(new Browser(injectTransport(h.app)), name);
        expect(DECOY_QUESTIONS).toContain(textOf(decoy.body, 'question'));
        expect(catalogue).toContain(svgOf(decoy.body));
      }
      await expect(createUser(h.ctx, { username: 'bad01', email: 'b@example.org', questions: [{ question: 'Q ?', answer: 'R' }], image: { catalogue: IMAGE_CATALOGUE.length + 1 } })).rejects.toThrow('catalogue number');
    });

    it('locks the identity step for 15 minutes after 3 wrong answers, known or unknown', async () => {
      await addPerson(h);
      for (const username of ['format01', 'ghost']) {
        const browser = new Browser(injectTransport(h.app));
        await identify(browser, username);
        const csrf = browser.csrf();
        expect((await browser.post('/virtuel/verify', { answer: 'non' })).status).toBe(401);
        expect((await browser.post('/virtuel/verify', { answer: 'non' })).status).toBe(401);
        const third = await browser.post('/virtuel/verify', { answer: 'non' });
        expect(third.status).toBe(429);
        expect(third.body).toContain('Réessayez dans 15\u00a0minutes,');
        // Even the right answer is refused while locked, and identifying again says so.
        expect((await browser.post('/virtuel/verify', { csrf, answer: 'rouge érable' })).status).toBe(429);
        await browser.get('/virtuel');
        expect((await browser.post('/virtuel/identify', { username })).status).toBe(429);
      }
      h.advance(15 * 60_000 + 1);
      const later = new Browser(injectTransport(h.app));
      await identify(later, 'format01');
      const ok = await later.post('/virtuel/verify', { answer: 'Rouge érable' });
      expect(ok.status).toBe(303);
      const events = (await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'portal.locked').execute()).length;
      expect(events).toBeGreaterThanOrEqual(2);
    });

    it('refuses a form without the right CSRF token, or from another site', async () => {
      await addPerson(h);
      await b.get('/virtuel');
      expect((await b.post('/virtuel/identify', { csrf: '', username: 'format01' })).status).toBe(403);
      await b.get('/virtuel');
      expect((await b.post('/virtuel/identify', { csrf: 'x'.repeat(43), username: 'format01' })).status).toBe(403);
      await b.get('/virtuel');
      expect((await b.post('/virtuel/identify', { username: 'format01' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      // Without a session cookie, a token alone is worthless.
      const stranger = new Browser(injectTransport(h.app));
      await stranger.get('/virtuel');
      const token = stranger.csrf();
      stranger.cookies.clear();
      expect((await stranger.post('/virtuel/identify', { csrf: token, username: 'format01' })).status).toBe(403);
      // Pages of a later step cannot be posted from an earlier one.
      await b.get('/virtuel');
      expect((await b.post('/virtuel/activation', {})).status).toBe(403);
      const rejected = await h.ctx.db.selectFrom('audit').select('detail').where('event', '=', 'portal.rejected').orderBy('id').execute();
      expect(rejected.map((r) => (JSON.parse(r.detail) as { reason: string }).reason)).toEqual(['csrf', 'csrf', 'cross-site', 'no-session', 'no-session']);
    });

    it('limits posts per user with a clear 429 page, and writes no row for anonymous visits', async () => {
      for (let i = 0; i < 40; i++) await b.get('/virtuel');
      expect(await h.ctx.db.selectFrom('portal_sessions').select('id').execute()).toEqual([]);
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) {
        const visitor = new Browser(injectTransport(h.app));
        await visitor.get('/virtuel');
        const res = await visitor.post('/virtuel/identify', { username: 'Target01' });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.headers['retry-after']).toBe('300');
          expect(textOf(res.body, 'rate-limited')).toContain('trop de demandes');
        }
      }
      expect(statuses.slice(0, 30).every((s) => s === 303)).toBe(true);
      expect(statuses[30]).toBe(429);
    });

    it('sends the security headers and a strict session cookie', async () => {
      const res = await b.get('/virtuel');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      // Anonymous: a signed pre-session cookie, and no row in the database.
      expect(res.headers['set-cookie']).toMatch(/^jeton-pre=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
      expect(await h.ctx.db.selectFrom('portal_sessions').select('id').execute()).toEqual([]);
      // The session row and its cookie come once a username is posted.
      const posted = await b.post('/virtuel/identify', { username: 'someone' });
      expect(posted.status).toBe(303);
      expect(posted.headers['set-cookie']!.split('\n')).toEqual([expect.stringMatching(/^jeton=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/), expect.stringMatching(/^jeton-pre=; Path=\/; Max-Age=0;/)]);
      expect(await h.ctx.db.selectFrom('portal_sessions').select('id').execute()).toHaveLength(1);
      expect(res.body).not.toMatch(/<script>|<style>|style="/);
      const css = await b.get('/virtuel/assets/portal.css');
      expect(css.headers['content-type']).toContain('text/css');
      const js = await b.get('/virtuel/assets/portal.js');
      expect(js.headers['content-type']).toContain('javascript');
      const missing = await b.get('/virtuel/nowhere');
      expect(missing.status).toBe(404);
      expect(missing.headers['content-security-policy']).toBeDefined();
    });

    it('is where the server’s root leads', async () => {
      const root = await b.get('/');
      expect(root.status).toBe(302);
      expect(root.location).toBe('/virtuel');
      expect((await b.get(root.location!)).body).toContain('Nom d’utilisateur');
    });

    it('speaks English with ?lang=en or when the browser prefers it', async () => {
      expect((await b.get('/virtuel?lang=en')).body).toContain('<html lang="en">');
      expect((await b.get('/virtuel', { 'accept-language': 'en-CA,en;q=0.9,fr;q=0.5' })).body).toContain('Username');
      expect((await b.get('/virtuel', { 'accept-language': 'en;q=0.4,fr-CA;q=0.8' })).body).toContain('<html lang="fr">');
      await addPerson(h);
      const verify = await identify(b, 'format01', 'en');
      expect(verify.body).toContain('Show in clear');
    });

    it('forgets an idle session after 20 minutes', async () => {
      await addPerson(h);
      await identify(b, 'format01');
      h.advance(20 * 60_000 + 1);
      expect((await b.post('/virtuel/verify', { answer: 'rouge érable' })).status).toBe(403);
    });
  });
}

describe('portal behind TLS', () => {
  const h = useHarness(testDatabases()[0]!, { env: { JETON_PUBLIC_URL: 'https://jeton.example' } });
  it('marks the cookie Secure and __Host- when the public URL is https', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/virtuel' });
    expect(String(res.headers['set-cookie'])).toMatch(/^__Host-jeton-pre=.*; Secure$/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(res.body)![1]!;
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const posted = await h.app.inject({ method: 'POST', url: '/virtuel/identify', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ csrf, username: 'someone' }).toString() });
    expect(posted.statusCode).toBe(303);
    expect(String(posted.headers['set-cookie'])).toMatch(/^__Host-jeton=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure/);
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('keeps T0 pinned (sanity)', () => {
    expect(new Date(T0).toISOString()).toBe('2025-11-28T23:00:00.000Z');
  });
});
