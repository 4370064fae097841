import { describe, expect, it } from 'vitest';
import { testDatabases } from '../testing/server/databases.ts';
import { DEMO_USER, ensureDemoUser } from './demo.ts';
import { verifyAnswer, verifySecret } from './secrets.ts';
import { useHarness } from '../testing/server/harness.ts';

describe('ensureDemoUser', () => {
  const h = useHarness(testDatabases()[0]!);
  it('creates the demo user once, with the credentials npm start prints', async () => {
    expect(await ensureDemoUser(h.ctx)).toEqual({ created: true });
    expect(await ensureDemoUser(h.ctx)).toEqual({ created: false });
    const user = await h.ctx.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(await verifySecret(DEMO_USER.password, user.password_hash!)).toBe(true);
    const q = await h.ctx.db.selectFrom('security_questions').selectAll().executeTakeFirstOrThrow();
    expect(q.question).toBe(DEMO_USER.question);
    expect(await verifyAnswer('BLEU', q.answer_hash)).toBe(true);
  });
});
