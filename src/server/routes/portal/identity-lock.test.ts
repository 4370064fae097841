import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/index.ts';
import { testDatabases } from '../../db/test-databases.ts';
import { openTestDb, peopleHarness, type PeopleHarness } from '../../web/test-context.ts';
import { clearIdentityFailures, IDENTITY_LOCK_MS, identityLockedFor, recordIdentityFailure } from './identity-lock.ts';

for (const target of testDatabases()) {
  describe(`identity lockout (${target.name})`, () => {
    let db: DatabaseHandle;
    let h: PeopleHarness;
    beforeAll(async () => void (db = await openTestDb(target.options())));
    afterAll(() => db.close());
    beforeEach(async () => void (h = await peopleHarness(db)));
    afterEach(() => h.close());

    it('locks at the third failure, for 15 minutes, then counts afresh', async () => {
      expect(await recordIdentityFailure(h.ctx, 'u')).toEqual({ failures: 1, lockedUntil: null });
      expect(await recordIdentityFailure(h.ctx, 'u')).toEqual({ failures: 2, lockedUntil: null });
      expect(await recordIdentityFailure(h.ctx, 'u')).toEqual({ failures: 3, lockedUntil: h.now() + IDENTITY_LOCK_MS });
      expect(await identityLockedFor(h.ctx, 'u')).toBe(IDENTITY_LOCK_MS);
      h.advance(IDENTITY_LOCK_MS);
      expect(await identityLockedFor(h.ctx, 'u')).toBe(0);
      expect(await recordIdentityFailure(h.ctx, 'u')).toEqual({ failures: 1, lockedUntil: null });
      await clearIdentityFailures(h.ctx, 'u');
      expect(await recordIdentityFailure(h.ctx, 'u')).toEqual({ failures: 1, lockedUntil: null });
    });

    it('counts concurrent failures exactly', async () => {
      const results = await Promise.all(Array.from({ length: 12 }, () => recordIdentityFailure(h.ctx, 'racer')));
      expect(results.map((r) => r.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(await identityLockedFor(h.ctx, 'racer')).toBeGreaterThan(0);
    });
  });
}
