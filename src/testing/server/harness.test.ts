import { describe, expect, it } from 'vitest';
import { testDatabases } from './databases.ts';
import { addUser, T0, useHarness } from './harness.ts';

describe('useHarness', () => {
  const h = useHarness(testDatabases()[0]!);

  it('empties the database and the mailbox and puts the clock back to T0 at each reset', async () => {
    await addUser(h.ctx, 'format01');
    await h.ctx.mailer.send({ to: 'format01@example.org', subject: 's', text: 't' });
    h.advance(60_000);
    await h.reset();
    expect(await h.ctx.db.selectFrom('users').select('id').execute()).toEqual([]);
    expect(h.mail).toEqual([]);
    expect(h.now()).toBe(T0);
    expect(h.ctx.now()).toBe(T0);
  });

  it('rebuilds the app on another configuration for one test, and goes back to its own at the next reset', async () => {
    const own = h.app;
    await h.reset({ env: { JETON_RATE_LIMIT_FACTOR: '0' } });
    expect(h.ctx.config.rateLimitFactor).toBe(0);
    expect(h.app).not.toBe(own);
    await h.reset();
    expect(h.ctx.config.rateLimitFactor).toBe(1);
  });
});
