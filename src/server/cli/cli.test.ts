import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseActivationLink } from '../../core/activation-link.ts';
import { testDatabases } from '../../testing/server/databases.ts';
import { DAY, T0, useHarness } from '../../testing/server/harness.ts';
import { EXIT, runCli } from './commands.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

for (const target of testDatabases()) {
  describe(`admin CLI (${target.name})`, () => {
    const h = useHarness(target);
    let files: Record<string, Uint8Array>;
    beforeEach(() => void (files = {}));

    /** Runs a command in-process; answers the exit code, stdout lines and stderr lines. */
    async function admin(...argv: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(
        argv,
        {
          out: (l) => void out.push(...l.split('\n')),
          err: (l) => void err.push(l),
          readFile: (p) => {
            const f = files[p];
            if (!f) throw new Error('ENOENT: no such file');
            return f;
          },
        },
        { context: async () => ({ ...h.ctx, close: async () => {} }) },
      );
      const last = out.at(-1) ?? '';
      return { code, out, err, json: () => JSON.parse(last) as Record<string, unknown> };
    }
    const addUser = (username = 'format01', ...extra: string[]) =>
      admin('user', 'add', '--username', username, '--email', `${username}@example.org`, '--question', 'Ville ?', '--answer', 'Québec', ...extra);

    it('adds a user, with image and password, and refuses a duplicate', async () => {
      files['me.png'] = PNG;
      const added = await addUser('Format01', '--message', 'Bonjour', '--image', 'me.png', '--password', 'motdepasse', '--json');
      expect(added.code).toBe(EXIT.ok);
      expect(added.json()).toMatchObject({ ok: true, username: 'format01' });
      const row = await h.ctx.db.selectFrom('users').select(['image_type', 'message']).executeTakeFirstOrThrow();
      expect(row).toEqual({ image_type: 'image/png', message: 'Bonjour' });
      const dup = await addUser('format01', '--json');
      expect(dup.code).toBe(EXIT.failed);
      expect(dup.json()).toMatchObject({ ok: false, error: 'invalid_username' });
      const noImage = await addUser('other', '--image', 'missing.png');
      expect(noImage.code).toBe(EXIT.failed);
      expect(noImage.err.join('\n')).toContain('Cannot read missing.png');
    });

    it('picks the question and image from the catalogues, and warns about custom ones', async () => {
      const picked = await admin('user', 'add', '--username', 'cat01', '--email', 'c@example.org', '--question', '2', '--answer', 'Laval', '--image', '7', '--json');
      expect(picked.json()).toMatchObject({ ok: true, warnings: [] });
      expect(picked.err).toEqual([]);
      const row = await h.ctx.db.selectFrom('users').innerJoin('security_questions', 'security_questions.user_id', 'users.id').select(['question', 'image_type', 'image_data']).where('username', '=', 'cat01').executeTakeFirstOrThrow();
      expect(row).toEqual({ question: 'Dans quelle ville êtes-vous né ?', image_type: 'x-jeton/catalogue', image_data: '7' });
      const custom = await addUser('custom01', '--message', 'Mon message à moi');
      expect(custom.code).toBe(EXIT.ok);
      expect(custom.err).toEqual([
        'Warning: the question is not from the catalogue (question list): on the portal it shows that this username exists.',
        'Warning: the message is not from the catalogue: on the portal it shows that this username exists.',
      ]);
      expect((await admin('user', 'add', '--username', 'x01', '--email', 'x@example.org', '--question', '99', '--answer', 'a')).code).toBe(EXIT.usage);
      expect((await admin('user', 'add', '--username', 'x02', '--email', 'x@example.org', '--question', '1', '--answer', 'a', '--image', '99')).code).toBe(EXIT.failed);
      const questions = await admin('question', 'list');
      expect(questions.out[1]).toBe(' 2  Dans quelle ville êtes-vous né ?');
      const images = await admin('image', 'list', '--json');
      expect((images.json().images as unknown[]).length).toBe(24);
    });

    it('explains usage errors with exit code 2', async () => {
      expect((await admin()).code).toBe(EXIT.usage);
      expect((await admin('--help')).out.join('\n')).toContain('activation issue --username U');
      expect((await admin('user', 'add', '--help')).code).toBe(EXIT.ok);
      const missing = await admin('user', 'add', '--username', 'x', '--json');
      expect(missing.code).toBe(EXIT.usage);
      expect(missing.json()).toMatchObject({ ok: false, error: 'usage' });
      expect(missing.err[0]).toContain('--email is required');
      expect((await admin('user', 'fly')).code).toBe(EXIT.usage);
      expect((await admin('user', 'add', '--bogus', 'x')).code).toBe(EXIT.usage);
      expect((await admin('token', 'list', '--expiring-days', '-3')).code).toBe(EXIT.usage);
      expect((await admin('user', 'import')).code).toBe(EXIT.usage);
    });

    it('imports a CSV, reporting bad lines and importing the rest', async () => {
      files['users.csv'] = new TextEncoder().encode('username,email,question,answer,message,password\nalice,alice@example.org,Q ?,R,,\nbad user,x@example.org,Q,R,,\nbob,bob@example.org,Q ?,R,Salut,motdepasse\n');
      const res = await admin('user', 'import', 'users.csv', '--json');
      expect(res.code).toBe(EXIT.failed);
      expect(res.json()).toMatchObject({ ok: false, imported: 2, users: ['alice', 'bob'], errors: [{ line: 3, username: 'bad user' }] });
      expect(res.err).toContain('Warning: 2 imported users have a question not from the catalogue (question list): on the portal it shows that these usernames exist: alice, bob.');
      files['catalogue.csv'] = new TextEncoder().encode('username,email,question,answer,message,password\ncarol,carol@example.org,3,Tremblay,,\ndave,dave@example.org,99,R,,\n');
      const picked = await admin('user', 'import', 'catalogue.csv', '--json');
      expect(picked.json()).toMatchObject({ imported: 1, users: ['carol'], customQuestions: [], errors: [{ line: 3, username: 'dave' }] });
      const carol = await h.ctx.db.selectFrom('security_questions').innerJoin('users', 'users.id', 'security_questions.user_id').select('question').where('username', '=', 'carol').executeTakeFirstOrThrow();
      expect(carol.question).toBe('Quel est le nom de jeune fille de votre mère ?');
      files['latin1.csv'] = Uint8Array.from([0x75, 0xe9, 0xff]);
      expect((await admin('user', 'import', 'latin1.csv')).code).toBe(EXIT.failed);
    });

    it('issues an activation, prints what the user needs and e-mails it', async () => {
      await addUser();
      const res = await admin('activation', 'issue', '--username', 'FORMAT01', '--json');
      expect(res.code).toBe(EXIT.ok);
      const j = res.json();
      expect(j).toMatchObject({ ok: true, username: 'format01', serverUrl: 'http://127.0.0.1:8080/aotp/v1/provision?profile=teleacces', mailed: true });
      expect(j.expiresAt).toBe(new Date(T0 + 72 * 3_600_000).toISOString());
      expect(parseActivationLink(String(j.link))).toEqual({ serverUrl: j.serverUrl, userId: 'format01', code: j.code });
      expect(h.mail[0]!.text).toContain(String(j.link));
      const human = await admin('activation', 'issue', '--username', 'format01');
      expect(human.out.join('\n')).toMatch(/Activation code: \d{4} \d{4}/);
      expect((await admin('activation', 'issue', '--username', 'ghost')).code).toBe(EXIT.failed);
      expect((await admin('activation', 'issue', '--username', 'format01', '--profile', 'nope', '--json')).json()).toMatchObject({ error: 'unknown_profile' });
      const audit = await h.ctx.db.selectFrom('audit').select('detail').where('event', '=', 'activation.issued').execute();
      expect(audit.map((a) => a.detail).join()).not.toContain(String(j.code));
    });

    it('creates an API key once per name', async () => {
      const res = await admin('apikey', 'create', '--name', 'teleacces', '--json');
      expect(res.json()).toMatchObject({ ok: true, name: 'teleacces' });
      expect(String(res.json().key)).toMatch(/^jk_/);
      expect((await admin('apikey', 'create', '--name', 'teleacces')).code).toBe(EXIT.failed);
    });

    it('lists API keys without the keys, and revokes one by name or by id', async () => {
      const { key } = (await admin('apikey', 'create', '--name', 'teleacces', '--json')).json() as { key: string };
      await admin('apikey', 'create', '--name', 'intranet');
      const list = await admin('apikey', 'list', '--json');
      const keys = list.json().keys as Array<{ id: number; name: string; revokedAt: string | null }>;
      expect(keys.map((k) => [k.name, k.revokedAt])).toEqual([['teleacces', null], ['intranet', null]]);
      expect(JSON.stringify(list.json())).not.toContain(key);
      expect((await admin('apikey', 'list')).out[0]).toBe('ID\tNAME\tCREATED\tREVOKED');
      expect((await admin('apikey', 'revoke', '--name', 'teleacces')).out).toEqual([`API key "teleacces" (id ${keys[0]!.id}) revoked.`]);
      expect((await admin('apikey', 'revoke', '--id', String(keys[1]!.id), '--json')).json()).toMatchObject({ ok: true, name: 'intranet' });
      expect((await admin('apikey', 'revoke', '--name', 'teleacces')).code).toBe(EXIT.failed);
      expect((await admin('apikey', 'revoke')).code).toBe(EXIT.usage);
      expect((await admin('apikey', 'revoke', '--name', 'a', '--id', '1')).code).toBe(EXIT.usage);
      expect((await admin('apikey', 'list', '--json')).json().keys).toEqual([
        expect.objectContaining({ name: 'teleacces', revokedAt: new Date(T0).toISOString() }),
        expect.objectContaining({ name: 'intranet', revokedAt: new Date(T0).toISOString() }),
      ]);
      expect(await h.ctx.db.selectFrom('audit').select('event').where('event', '=', 'apikey.revoked').execute()).toHaveLength(2);
    });

    it('lists, filters and revokes tokens; unlocks; reminds; purges', async () => {
      await addUser();
      const user = await h.ctx.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
      for (const [id, days] of [['soon', 5], ['later', 200]] as const) {
        await h.ctx.db
          .insertInto('tokens')
          .values({ id, user_id: user.id, profile: 'teleacces', activation_id: null, renews_token_id: null, device_name: `Poste ${id}`, seed: 's', k_status: 'k', algorithm: 'SHA1', digits: 6, period: 30, state: 'active', issued_at: T0 - DAY, expires_at: T0 + days * DAY, confirmed_at: T0, revoked_at: null })
          .execute();
      }
      const all = await admin('token', 'list', '--json');
      expect((all.json().tokens as Array<{ id: string }>).map((t) => t.id)).toEqual(['soon', 'later']);
      const soon = await admin('token', 'list', '--expiring-days', '30', '--json');
      expect(soon.json().tokens).toEqual([
        { id: 'soon', username: 'format01', profile: 'teleacces', device: 'Poste soon', state: 'active', issuedAt: new Date(T0 - DAY).toISOString(), expiresAt: new Date(T0 + 5 * DAY).toISOString(), daysLeft: 5 },
      ]);
      expect((await admin('token', 'list')).out[0]).toContain('DAYS LEFT');

      const remind = await admin('remind', '--json');
      expect(remind.json()).toMatchObject({ ok: true, sent: 1 });
      expect((await admin('remind', '--json')).json()).toMatchObject({ sent: 0 });

      expect((await admin('token', 'revoke', '--id', 'soon', '--json')).json()).toMatchObject({ ok: true, username: 'format01', device: 'Poste soon' });
      expect((await admin('token', 'revoke', '--id', 'soon')).code).toBe(EXIT.failed);

      await h.ctx.db.updateTable('users').set({ login_failures: 5, login_locked_until: T0 + 60_000 }).execute();
      expect((await admin('user', 'unlock', '--username', 'format01', '--json')).json()).toEqual({ ok: true, username: 'format01' });
      expect((await admin('user', 'unlock', '--username', 'ghost')).code).toBe(EXIT.failed);

      expect((await admin('purge', '--json')).json()).toMatchObject({ ok: true, activations: 0, pendingTokens: 0 });
      // Counts in words, with the plural English wants: no « token(s) ».
      expect((await admin('purge')).out.join('\n')).toContain('Purged: 0 activation keys, 0 pending tokens, 0 sessions, 0 identity locks.');
      expect((await admin('remind')).out[0]).toBe('0 reminders sent.');
    });

    it('takes an ID that begins with "-" (base64url) as the value of --id, and still says when --id has none', async () => {
      await addUser();
      const user = await h.ctx.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
      for (const id of ['-50ox7LHnoipeDOXd_tCLQ', '--5x']) {
        await h.ctx.db
          .insertInto('tokens')
          .values({ id, user_id: user.id, profile: 'teleacces', activation_id: null, renews_token_id: null, device_name: 'Poste', seed: 's', k_status: 'k', algorithm: 'SHA1', digits: 6, period: 30, state: 'active', issued_at: T0 - DAY, expires_at: T0 + 30 * DAY, confirmed_at: T0, revoked_at: null })
          .execute();
        expect((await admin('token', 'revoke', '--id', id, '--json')).json()).toMatchObject({ ok: true, username: 'format01' });
      }
      expect((await admin('token', 'revoke', '--id')).code).toBe(EXIT.usage);
      expect((await admin('apikey', 'revoke', '--id', '--name', 'x')).code).toBe(EXIT.usage);
    });

    it('never prints control characters, escapes or bidi overrides from a stored device name', async () => {
      const user = await h.ctx.db.insertInto('users').values({ username: 'format01', email: 'f@example.org', password_hash: null, message: '', image_type: null, image_data: null, created_at: T0 }).returning('id').executeTakeFirstOrThrow();
      await h.ctx.db
        .insertInto('tokens')
        .values({ id: 'raw', user_id: user.id, profile: 'teleacces', activation_id: null, renews_token_id: null, device_name: 'Poste\r\n\u001b[2J\u001b]0;pwned\u0007 \u202eexe.pdf', seed: 's', k_status: 'k', algorithm: 'SHA1', digits: 6, period: 30, state: 'active', issued_at: T0 - DAY, expires_at: T0 + 30 * DAY, confirmed_at: T0, revoked_at: null })
        .execute();
      const list = await admin('token', 'list');
      expect(list.out[1]).toContain('Poste exe.pdf');
      // eslint-disable-next-line no-control-regex -- control characters are what must not be printed
      for (const line of list.out) expect(line.replace(/\t/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      const revoked = await admin('token', 'revoke', '--id', 'raw');
      expect(revoked.out.join('\n')).toBe('Token raw of format01 (Poste exe.pdf) revoked.');
    });

    it('says when the configuration is unusable (exit 3)', async () => {
      const out: string[] = [];
      const code = await runCli(['purge', '--json'], { out: (l) => void out.push(l), err: () => {}, readFile: () => new Uint8Array() }, {
        context: () => Promise.reject(new Error('JETON_PUBLIC_URL must be an https origin')),
      });
      expect(code).toBe(EXIT.unavailable);
      expect(JSON.parse(out.at(-1)!)).toMatchObject({ ok: false, error: 'unavailable' });
    });
  });
}

describe('the server as a process', () => {
  it('prints a configuration error as one clear line and exits with code 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jeton-cfg-'));
    writeFileSync(join(dir, 'profiles.json'), '{"profiles": {"teleacces": {"digits": 12}}}');
    const run = promisify(execFile);
    const failed = (await run(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      env: { ...process.env, JETON_DATA_DIR: dir, JETON_CONFIG: join(dir, 'profiles.json'), DATABASE_URL: '' },
      cwd: process.cwd(),
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(failed.code).toBe(3);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/^Jeton cannot start: .*digits/);
    expect(failed.stderr).not.toContain('    at ');
  });
});

describe('admin CLI as a process', () => {
  it('runs `user add` and `activation issue` with --json on a SQLite data dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jeton-cli-'));
    const run = promisify(execFile);
    const env = { ...process.env, JETON_DATA_DIR: dir, JETON_MASTER_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', SMTP_URL: '', DATABASE_URL: '' };
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/server/cli/main.ts', ...args], { env, cwd: process.cwd() });
    writeFileSync(join(dir, 'users.csv'), 'username,email,question,answer,message,password\nproc01,proc01@example.org,Q ?,R,,\n');
    const imported = await cli('user', 'import', join(dir, 'users.csv'), '--json');
    expect(JSON.parse(imported.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, imported: 1 });
    const issued = await cli('activation', 'issue', '--username', 'proc01', '--json');
    const last = JSON.parse(issued.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ ok: true, username: 'proc01', mailed: true });
    expect(String(last.code)).toMatch(/^\d{8}$/);
    expect(issued.stderr).toContain('outbox');
    const failed = await cli('token', 'revoke', '--id', 'nope', '--json').catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(EXIT.failed);
    expect(JSON.parse((failed as { stdout: string }).stdout.trim())).toMatchObject({ ok: false, error: 'unknown_token' });
  }, 60_000);
});
