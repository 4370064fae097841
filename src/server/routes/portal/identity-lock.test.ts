import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../../testing/server/databases.ts';
import { useHarness } from '../../../testing/server/harness.ts';
import { IDENTITY_LOCK_MS, IDENTITY_MAX_FAILURES, identityLockedFor, passIdentityCheck, recordIdentityFailure } from './identity-lock.ts';

for (const target of testDatabases()) {
  describe(`identity lockout (${target.name})`, () => {
    const h = useHarness(target);
    const fail = (username: string) => recordIdentityFailure(h.ctx.db, h.now(), username);

    it('locks at the third failure, for 15 minutes, then counts afresh', async () => {
      expect(await fail('u')).toEqual({ locked: false, failures: 1, lockedUntil: null });
      expect(await fail('u')).toEqual({ locked: false, failures: 2, lockedUntil: null });
      expect(await fail('u')).toEqual({ locked: false, failures: 3, lockedUntil: h.now() + IDENTITY_LOCK_MS });
      expect(await identityLockedFor(h.ctx, 'u')).toBe(IDENTITY_LOCK_MS);
      h.advance(IDENTITY_LOCK_MS);
      expect(await identityLockedFor(h.ctx, 'u')).toBe(0);
      expect(await fail('u')).toEqual({ locked: false, failures: 1, lockedUntil: null });
      expect(await passIdentityCheck(h.ctx.db, h.now(), 'u')).toBe(true);
      expect(await fail('u')).toEqual({ locked: false, failures: 1, lockedUntil: null });
    });

    it('neither counts nor passes while locked', async () => {
      for (let i = 0; i < IDENTITY_MAX_FAILURES; i++) await fail('u');
      h.advance(60_000);
      expect(await fail('u')).toEqual({ locked: true, lockedUntil: h.now() + IDENTITY_LOCK_MS - 60_000 });
      expect(await passIdentityCheck(h.ctx.db, h.now(), 'u')).toBe(false);
      expect(await identityLockedFor(h.ctx, 'u')).toBe(IDENTITY_LOCK_MS - 60_000);
    });

    it('counts at most the limit of concurrent failures, the others find the lock', async () => {
      const results = await Promise.all(Array.from({ length: 12 }, () => fail('racer')));
      const counted = results.flatMap((r) => (r.locked ? [] : [r.failures])).sort((a, b) => a - b);
      expect(counted).toEqual([1, 2, 3]);
      expect(results.filter((r) => r.locked)).toHaveLength(9);
      expect(await identityLockedFor(h.ctx, 'racer')).toBeGreaterThan(0);
    });
  });
}
