import { describe, expect, it } from 'vitest';
import { isDroppable } from './global-setup.ts';

describe('isDroppable', () => {
  const now = 1_764_370_800_000;
  const run = now.toString(36);
  it("drops this run's schemas, stale runs' and untagged ones, and keeps a live run's", () => {
    expect(isDroppable(`t_${run}_0a1b2c3d4e5f`, run, now)).toBe(true);
    expect(isDroppable(`t_${(now - 2 * 3_600_000).toString(36)}_0a1b2c3d4e5f`, run, now)).toBe(true);
    expect(isDroppable('t_0a1b2c3d4e5f', run, now)).toBe(true);
    expect(isDroppable(`t_${(now - 60_000).toString(36)}_0a1b2c3d4e5f`, run, now)).toBe(false);
    expect(isDroppable('tokens', run, now)).toBe(false);
    expect(isDroppable('t_public', run, now)).toBe(false);
  });
});
