import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../testing/server/databases.ts';
import { verifyAnswer, verifySecret } from '../secrets.ts';
import { DAY, T0, useHarness } from '../../testing/server/harness.ts';
import { createUser, importUsersCsv, listTokens, parseCsv, sniffImageType, unlockUser, UserInputError } from './users.ts';

const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
const base = { email: 'a@example.org', questions: [{ question: 'Ville natale ?', answer: 'Trois-Rivières' }] };

describe('parseCsv', () => {
  it('reads quotes, commas, doubled quotes, line breaks in quotes, CRLF and a BOM', () => {
    const rows = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\n"two\nlines",z\n\nlast,row');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['two\nlines', 'z'] },
      { line: 6, fields: ['last', 'row'] },
    ]);
  });
});

describe('sniffImageType', () => {
  it('knows PNG, JPEG, GIF and WebP, and refuses SVG', () => {
    expect(sniffImageType(PNG)).toBe('image/png');
    expect(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0]))).toBe('image/jpeg');
    expect(sniffImageType(new TextEncoder().encode('GIF89a......'))).toBe('image/gif');
    expect(sniffImageType(new TextEncoder().encode('RIFF....WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });
});

for (const target of testDatabases()) {
  describe(`users store (${target.name})`, () => {
    const h = useHarness(target);

    it('creates a user with a normalised username and hashed answer and password', async () => {
      const u = await createUser(h.ctx, { ...base, username: ' Format01 ', password: 'secret-123', message: 'Salut', image: { type: 'image/png', data: PNG } });
      expect(u.username).toBe('format01');
      const row = await h.ctx.db.selectFrom('users').selectAll().where('id', '=', u.id).executeTakeFirstOrThrow();
      expect(row.image_type).toBe('image/png');
      expect(await verifySecret('secret-123', row.password_hash!)).toBe(true);
      const q = await h.ctx.db.selectFrom('security_questions').selectAll().where('user_id', '=', u.id).executeTakeFirstOrThrow();
      expect(q.answer_hash).not.toContain('Rivi');
      expect(await verifyAnswer('trois-rivieres', q.answer_hash)).toBe(true);
    });

    it.each([
      ['username', { username: 'not valid!' }],
      ['email', { email: 'nobody' }],
      ['question', { questions: [{ question: '', answer: 'x' }] }],
      ['answer', { questions: [{ question: 'Q', answer: '   ' }] }],
      ['password', { password: 'short' }],
      ['message', { message: 'x'.repeat(281) }],
      ['image', { image: { type: '', data: new TextEncoder().encode('<svg/>') } }],
      ['image', { image: { type: 'image/jpeg', data: PNG } }],
      ['image', { image: { type: '', data: new Uint8Array(300 * 1024).fill(0x89) } }],
    ])('refuses a bad %s', async (field, patch) => {
      const err = await createUser(h.ctx, { ...base, username: 'u1', ...patch }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserInputError);
      expect((err as UserInputError).field).toBe(field);
    });

    it('refuses a taken username, whatever its case', async () => {
      await createUser(h.ctx, { ...base, username: 'dup' });
      await expect(createUser(h.ctx, { ...base, username: 'DUP' })).rejects.toThrow(/already exists/);
    });

    it('imports good CSV lines and reports the bad ones', async () => {
      const csv = [
        'username,email,question,answer,message,password',
        'alice,alice@example.org,"Couleur, préférée ?",Bleu,"Bonjour ""Alice""",motdepasse1',
        'bob,not-an-email,Q ?,R,,',
        'carol,carol@example.org,Q ?,R',
        'alice,other@example.org,Q ?,R,,',
        'dave,dave@example.org,Q ?,R,,',
      ].join('\n');
      const report = await importUsersCsv(h.ctx, csv);
      expect(report.imported).toEqual(['alice', 'dave']);
      expect(report.errors.map((e) => [e.line, e.username])).toEqual([
        [3, 'bob'],
        [4, 'carol'],
        [5, 'alice'],
      ]);
      const alice = await h.ctx.db.selectFrom('users').select('message').where('username', '=', 'alice').executeTakeFirstOrThrow();
      expect(alice.message).toBe('Bonjour "Alice"');
      expect((await importUsersCsv(h.ctx, 'name,mail\nx,y')).errors[0]!.error).toContain('first line');
    });

    it('unlocks both lockouts', async () => {
      const u = await createUser(h.ctx, { ...base, username: 'locked' });
      await h.ctx.db.updateTable('users').set({ login_failures: 5, login_locked_until: T0 + 60_000 }).where('id', '=', u.id).execute();
      await h.ctx.db.insertInto('identity_attempts').values({ username: 'locked', failures: 3, locked_until: T0 + 60_000 }).execute();
      expect(await unlockUser(h.ctx, 'LOCKED')).toBe(true);
      const row = await h.ctx.db.selectFrom('users').select(['login_failures', 'login_locked_until']).where('id', '=', u.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ login_failures: 0, login_locked_until: null });
      expect(await h.ctx.db.selectFrom('identity_attempts').selectAll().execute()).toEqual([]);
      expect(await unlockUser(h.ctx, 'nobody')).toBe(false);
    });

    it('lists tokens with days left, filtered by user and by expiry', async () => {
      const a = await createUser(h.ctx, { ...base, username: 'a' });
      const b = await createUser(h.ctx, { ...base, username: 'b' });
      const add = (id: string, userId: number, expiresAt: number, state: 'active' | 'revoked' = 'active') =>
        h.ctx.db
          .insertInto('tokens')
          .values({ id, user_id: userId, profile: 'teleacces', activation_id: null, renews_token_id: null, device_name: `dev-${id}`, seed: 's', k_status: 'k', algorithm: 'SHA1', digits: 6, period: 30, state, issued_at: T0 - DAY, expires_at: expiresAt, confirmed_at: null, revoked_at: null })
          .execute();
      await add('t1', a.id, T0 + 10 * DAY);
      await add('t2', a.id, T0 + 100 * DAY);
      await add('t3', b.id, T0 - DAY);
      await add('t4', b.id, T0 + 5 * DAY, 'revoked');
      expect((await listTokens(h.ctx)).map((t) => [t.id, t.state, t.daysLeft])).toEqual([
        ['t3', 'expired', -1],
        ['t4', 'revoked', 5],
        ['t1', 'active', 10],
        ['t2', 'active', 100],
      ]);
      expect((await listTokens(h.ctx, { username: 'A' })).map((t) => t.id)).toEqual(['t1', 't2']);
      expect((await listTokens(h.ctx, { expiringDays: 30 })).map((t) => t.id)).toEqual(['t3', 't1']);
      expect(await listTokens(h.ctx, { username: '???' })).toEqual([]);
    });
  });
}
