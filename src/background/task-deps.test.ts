import { describe, expect, it } from 'vitest';
import { VAULT_STORAGE_KEY } from '../core/vault.ts';
import { harness } from '../testing/background/harness.ts';
import { taskDeps } from './task-deps.ts';

describe('taskDeps', () => {
  it('sees what another task wrote meanwhile, and builds on it', async () => {
    const h = harness();
    await h.ok('settings.set', { language: 'en' });
    const a = taskDeps(h.deps);
    const b = taskDeps(h.deps);
    expect((await a.vault.read()).settings.language).toBe('en');
    await b.vault.update((v) => ({ ...v, settings: { ...v.settings, language: 'fr' } }));
    expect((await a.vault.read()).settings.language).toBe('fr');
    await a.vault.update((v) => ({ ...v, clockOffsetMs: 5_000 }));
    expect(await h.deps.vault.read()).toMatchObject({ clockOffsetMs: 5_000, settings: { language: 'fr' } });
  });

  it('keeps what it read when a write fails, even from a change that edits its argument', async () => {
    const h = harness();
    await h.ok('settings.set', { language: 'en' });
    const task = taskDeps(h.deps);
    await task.vault.read();
    h.local.failSet = new Error('QUOTA_BYTES quota exceeded');
    await expect(
      task.vault.update((v) => {
        v.settings.language = 'fr';
        return v;
      }),
    ).rejects.toThrow('QUOTA');
    h.local.failSet = null;
    expect((await task.vault.read()).settings.language).toBe('en');
    expect(h.local.data.has(VAULT_STORAGE_KEY)).toBe(true);
  });

  it('does not undo a session change made by another task after its first read', async () => {
    const h = harness();
    const a = taskDeps(h.deps);
    const b = taskDeps(h.deps);
    expect(await a.session.unlocked()).toEqual({});
    await b.session.setUnlocked('other', 'c2VlZA');
    await a.session.setUnlocked('mine', 'c2VlZA');
    expect(await h.deps.session.unlocked()).toEqual({ other: 'c2VlZA', mine: 'c2VlZA' });
    expect(await a.session.unlocked()).toEqual({ other: 'c2VlZA', mine: 'c2VlZA' });
  });
});
