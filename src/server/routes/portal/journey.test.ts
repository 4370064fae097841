/**
 * The whole of DESIGN.md's first journey over real HTTP on loopback: portal →
 * activation e-mailed through a real SMTP server → provisioning and
 * confirmation with src/core's client → "Soumettre" → the /login page accepts
 * the token's code. Clock pinned; nothing leaves 127.0.0.1.
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseActivationLink } from '../../../core/activation-link.ts';
import { confirm, provision } from '../../../core/protocol/client.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import { openDatabase, type DatabaseHandle } from '../../db/index.ts';
import { testDatabases } from '../../../testing/server/databases.ts';
import { createMailer } from '../../mail/index.ts';
import { MasterKey } from '../../secrets.ts';
import { createUser } from '../../store/users.ts';
import { Browser, httpTransport, textOf } from '../../../testing/server/browser.ts';
import { codeOf, emptyDatabase, T0 } from '../../../testing/server/harness.ts';
import { freePort, httpFetch } from '../../../testing/server/processes.ts';

/** The text/plain part of a raw message, quoted-printable decoded. */
function plainText(raw: string): string {
  const part = /Content-Type: text\/plain; charset=utf-8\r?\nContent-Transfer-Encoding: quoted-printable\r?\n\r?\n([\s\S]*?)\r?\n----_/i.exec(raw)?.[1] ?? '';
  const bytes = part.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

interface Received {
  to: string[];
  raw: string;
}

for (const target of testDatabases()) {
  describe(`the portal journey over real HTTP and SMTP (${target.name})`, () => {
    let db: DatabaseHandle;
    let smtp: SMTPServer;
    let inbox: Received[];
    let smtpPort: number;
    let app: FastifyInstance;
    let origin: string;
    let now: number;

    beforeAll(async () => {
      db = await openDatabase(target.options());
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, session, done) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
            done();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      smtpPort = (smtp.server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await db.close();
    });

    beforeEach(async () => {
      await emptyDatabase(db.db);
      inbox = [];
      now = T0;
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      const config = loadConfig({
        PORT: String(port),
        HOST: '127.0.0.1',
        JETON_PUBLIC_URL: origin,
        JETON_DATA_DIR: mkdtempSync(join(tmpdir(), 'jeton-journey-')),
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      });
      const ctx: AppContext = {
        config,
        db: db.db,
        dialect: db.dialect,
        masterKey: MasterKey.generate(),
        mailer: createMailer(config, () => {}),
        now: () => now,
      };
      await createUser(ctx, {
        username: 'format01',
        email: 'format01@example.org',
        questions: [{ question: 'Quel est le nom de votre premier chat ?', answer: 'Minou' }],
        message: 'Bonne garde, Format !',
        password: 'motdepasse-1',
      });
      app = await buildApp(ctx, { logger: false });
      await app.listen({ port, host: '127.0.0.1' });
    });
    afterEach(() => app.close());

    it('identify → verify → add a device → e-mail → provision → Soumettre → /login', async () => {
      const b = new Browser(httpTransport(origin));
      const home = await b.get('/virtuel');
      expect(home.status).toBe(200);
      const verify = await b.follow(await b.post('/virtuel/identify?lang=fr', { username: 'format01' }));
      expect(verify.body).toContain('Bonne garde, Format !');
      expect(textOf(verify.body, 'question')).toBe('Quel est le nom de votre premier chat ?');

      expect((await b.post('/virtuel/verify?lang=fr', { answer: 'Félix' })).status).toBe(401);
      const menu = await b.follow(await b.post('/virtuel/verify?lang=fr', { answer: 'minou' }));
      expect(menu.status).toBe(200);
      expect(menu.body).toContain('Ajouter un autre appareil AOTP');

      const activation = await b.post('/virtuel/activation?lang=fr', {});
      expect(activation.status).toBe(200);
      expect(activation.body).toContain('Un courriel avec ces informations a été envoyé');
      const shownLink = textOf(activation.body, 'activation-link')!;

      // The e-mail arrives at the SMTP server with the code and the link.
      expect(inbox).toHaveLength(1);
      expect(inbox[0]!.to).toEqual(['format01@example.org']);
      const text = plainText(inbox[0]!.raw);
      const link = /otp:\/\/p\?\S+/.exec(text)?.[0];
      expect(link).toBe(shownLink);
      const { serverUrl, userId, code } = parseActivationLink(link!);
      expect(serverUrl).toBe(`${origin}/aotp/v1/provision?profile=teleacces`);
      expect(text).toContain(`${code.slice(0, 4)} ${code.slice(4)}`);
      expect(inbox[0]!.raw).toContain('Content-Type: text/html');

      // The extension's part, with the real client over real HTTP.
      const token = await provision(httpFetch, { serverUrl, userId, code, deviceName: 'Firefox sur Linux' });
      expect((await b.post('/virtuel/finalize?lang=fr', {})).body).toContain('data-progress="provisioned"');
      await confirm(httpFetch, token, codeOf(token, now));
      const done = await b.post('/virtuel/finalize?lang=fr', {});
      expect(done.body).toContain('data-progress="active"');
      expect(done.body).toContain('Firefox sur Linux');

      // The next code logs in on the sample page; the same code again does not.
      now += 30_000;
      const login = new Browser(httpTransport(origin));
      await login.get('/login');
      const page = await login.follow(await login.post('/login?lang=fr', { username: 'format01', password: 'motdepasse-1' }));
      expect(page.body).toMatch(/<input[^>]*id="otp"[^>]*autocomplete="one-time-code"/);
      const ok = await login.post('/login/code?lang=fr', { otp: codeOf(token, now) });
      expect(ok.status).toBe(200);
      expect(textOf(ok.body, 'login-result')).toContain('Connexion réussie');
      await login.get('/login');
      await login.follow(await login.post('/login?lang=fr', { username: 'format01', password: 'motdepasse-1' }));
      const replay = await login.post('/login/code?lang=fr', { otp: codeOf(token, now) });
      expect(replay.status).toBe(401);
    });
  });
}
