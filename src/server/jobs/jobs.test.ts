import { describe, expect, it } from 'vitest';
import type { AppContext, MailMessage } from '../context.ts';
import { testDatabases } from '../../testing/server/databases.ts';
import { issueActivation } from '../store/activations.ts';
import { createUser } from '../store/users.ts';
import { DAY, T0, useHarness, type Harness } from '../../testing/server/harness.ts';
import { purge } from './purge.ts';
import { reachedThresholds, sendDueReminders } from './reminders.ts';

async function person(h: Harness, username = 'format01') {
  return createUser(h.ctx, { username, email: `${username}@example.org`, questions: [{ question: 'Q ?', answer: 'R' }] });
}

let seq = 0;
async function token(h: Harness, userId: number, fields: { expiresAt: number; state?: 'active' | 'pending' | 'revoked'; issuedAt?: number; device?: string }) {
  const id = `tok${++seq}`;
  await h.ctx.db
    .insertInto('tokens')
    .values({
      id,
      user_id: userId,
      profile: 'teleacces',
      activation_id: null,
      renews_token_id: null,
      device_name: fields.device ?? 'Chrome sur Windows',
      seed: 'sealed',
      k_status: 'sealed',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      state: fields.state ?? 'active',
      issued_at: fields.issuedAt ?? T0 - 300 * DAY,
      expires_at: fields.expiresAt,
      confirmed_at: null,
      revoked_at: null,
    })
    .execute();
  return id;
}

describe('reachedThresholds', () => {
  it('lists the thresholds passed, most urgent last, and [0] once expired', () => {
    expect(reachedThresholds(T0 + 40 * DAY, [30, 14, 7, 1], T0)).toEqual([]);
    expect(reachedThresholds(T0 + 30 * DAY, [30, 14, 7, 1], T0)).toEqual([30]);
    expect(reachedThresholds(T0 + 10 * DAY, [1, 30, 7, 14], T0)).toEqual([30, 14]);
    expect(reachedThresholds(T0, [30, 14, 7, 1], T0)).toEqual([0]);
  });
});

for (const target of testDatabases()) {
  describe(`jobs (${target.name})`, () => {
    const h = useHarness(target);

    it('sends one reminder per token and threshold, however often it runs', async () => {
      const u = await person(h);
      const tok = await token(h, u.id, { expiresAt: T0 + 35 * DAY });
      expect((await sendDueReminders(h.ctx)).sent).toEqual([]);
      const seen: number[] = [];
      for (let day = 0; day <= 40; day++) {
        // Twice a day, as two hourly runs would.
        for (const _ of [1, 2]) for (const r of (await sendDueReminders(h.ctx)).sent) seen.push(r.days);
        h.advance(DAY);
      }
      expect(seen).toEqual([30, 14, 7, 1, 0]);
      expect(h.mail).toHaveLength(5);
      expect(h.mail[0]!.subject).toContain('30 jours');
      expect(h.mail[0]!.to).toBe('format01@example.org');
      expect(h.mail[0]!.text).toContain('Chrome sur Windows');
      expect(h.mail[0]!.text).toContain('Renouveler');
      expect(h.mail[4]!.subject).toContain('a expiré');
      const rows = await h.ctx.db.selectFrom('reminders').select('days').where('token_id', '=', tok).orderBy('days', 'desc').execute();
      expect(rows.map((r) => r.days)).toEqual([30, 14, 7, 1, 0]);
    });

    it('sends only the most urgent reminder when several thresholds passed unseen', async () => {
      const u = await person(h);
      await token(h, u.id, { expiresAt: T0 + 5 * DAY });
      const first = await sendDueReminders(h.ctx);
      expect(first.sent.map((r) => r.days)).toEqual([7]);
      expect((await sendDueReminders(h.ctx)).sent).toEqual([]);
      expect(h.mail).toHaveLength(1);
      // The mail counts the days really left, as the popup and the portal do, not the threshold.
      expect(h.mail[0]!.subject).toContain('dans 5 jours /');
      expect(h.mail[0]!.text).toContain('dans 5\u00a0jours.');
    });

    it('leaves revoked, pending and long-expired tokens alone', async () => {
      const u = await person(h);
      await token(h, u.id, { expiresAt: T0 + 2 * DAY, state: 'revoked' });
      await token(h, u.id, { expiresAt: T0 + 2 * DAY, state: 'pending' });
      await token(h, u.id, { expiresAt: T0 - 60 * DAY });
      expect((await sendDueReminders(h.ctx)).sent).toEqual([]);
    });

    it('sends once when two instances run at the same moment', async () => {
      const u = await person(h);
      for (let i = 0; i < 5; i++) await token(h, u.id, { expiresAt: T0 + 6 * DAY, device: `Appareil ${i}` });
      const other: MailMessage[] = [];
      const second: AppContext = { ...h.ctx, mailer: { send: async (m) => void other.push(m) } };
      const [a, b] = await Promise.all([sendDueReminders(h.ctx), sendDueReminders(second)]);
      expect(a.sent.length + b.sent.length).toBe(5);
      expect(h.mail.length + other.length).toBe(5);
    });

    it('tries again next run when the mail could not go', async () => {
      const u = await person(h);
      await token(h, u.id, { expiresAt: T0 + 6 * DAY });
      const broken: AppContext = { ...h.ctx, mailer: { send: async () => Promise.reject(new Error('connection refused')) } };
      const failed = await sendDueReminders(broken);
      expect(failed.failed).toHaveLength(1);
      expect(failed.failed[0]!.error).toBe('connection refused');
      expect((await sendDueReminders(h.ctx)).sent).toHaveLength(1);
    });

    it('purges expired activation keys, stale pending tokens, ended sessions and run-out locks', async () => {
      const u = await person(h);
      const fresh = await issueActivation(h.ctx, { id: u.id, username: u.username }, 'teleacces');
      h.advance(-80 * 3_600_000);
      const old = await issueActivation(h.ctx, { id: u.id, username: u.username }, 'teleacces');
      h.advance(80 * 3_600_000);
      const stale = await token(h, u.id, { expiresAt: T0 + 300 * DAY, state: 'pending', issuedAt: T0 - 73 * 3_600_000 });
      const recent = await token(h, u.id, { expiresAt: T0 + 300 * DAY, state: 'pending', issuedAt: T0 - 3_600_000 });
      const active = await token(h, u.id, { expiresAt: T0 + 300 * DAY, issuedAt: T0 - 100 * DAY });
      await h.ctx.db.insertInto('portal_sessions').values({ id: 'gone', data: '{}', csrf: 'x', created_at: T0 - DAY, expires_at: T0 - 1 }).execute();
      await h.ctx.db.insertInto('portal_sessions').values({ id: 'live', data: '{}', csrf: 'x', created_at: T0, expires_at: T0 + 60_000 }).execute();
      await h.ctx.db.insertInto('identity_attempts').values({ username: 'a', failures: 3, locked_until: T0 - 1 }).execute();
      await h.ctx.db.insertInto('identity_attempts').values({ username: 'b', failures: 3, locked_until: T0 + 60_000 }).execute();

      const report = await purge(h.ctx);
      expect(report).toEqual({ activations: 1, pendingTokens: 1, sessions: 1, identityLocks: 1, rateLimits: 0 });
      const acts = await h.ctx.db.selectFrom('activations').select(['id', 'k_ac']).orderBy('id').execute();
      expect(acts.find((a) => a.id === old.activationId)!.k_ac).toBeNull();
      expect(acts.find((a) => a.id === fresh.activationId)!.k_ac).not.toBeNull();
      const ids = (await h.ctx.db.selectFrom('tokens').select('id').execute()).map((r) => r.id).sort();
      expect(ids).toEqual([recent, active].sort());
      expect(ids).not.toContain(stale);
      expect((await h.ctx.db.selectFrom('portal_sessions').select('id').execute()).map((r) => r.id)).toEqual(['live']);
      expect((await h.ctx.db.selectFrom('identity_attempts').select('username').execute()).map((r) => r.username)).toEqual(['b']);
      expect(await purge(h.ctx)).toEqual({ activations: 0, pendingTokens: 0, sessions: 0, identityLocks: 0, rateLimits: 0 });
    });
  });
}
