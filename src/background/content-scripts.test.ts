import { describe, expect, it } from 'vitest';
import { NO_POLICY, parsePolicy, type Policy } from '../core/policy.ts';
import type { TokenRecord } from '../core/vault.ts';
import { CONTENT_SCRIPT_FILE, CONTENT_SCRIPT_ID, matchPattern, serialSync, syncContentScripts, type RegisteredScript, type RegistrationDeps } from './content-scripts.ts';
import { T0 } from '../testing/background/harness.ts';

const token = (origins: string[], over: Partial<TokenRecord> = {}): TokenRecord =>
  ({
    id: origins.join(),
    demo: false,
    expiresAt: '2026-11-28T23:00:00Z',
    server: { state: 'active', loginOrigins: origins },
    ...over,
  }) as TokenRecord;

/** A browser's scripting and permissions over plain arrays. */
function fakeBrowser(granted: string[], portsInPatterns = true) {
  const registered: RegisteredScript[] = [];
  const calls: string[] = [];
  const state = { tokens: [] as TokenRecord[], policy: NO_POLICY as Policy };
  const deps: RegistrationDeps = {
    readTokens: async () => state.tokens,
    readPolicy: async () => state.policy,
    now: () => T0,
    portsInPatterns,
    permissions: { contains: async ({ origins }) => origins.every((o) => granted.includes(o)) },
    scripting: {
      getRegisteredContentScripts: async () => structuredClone(registered),
      registerContentScripts: async (scripts) => {
        calls.push('register');
        for (const s of scripts) {
          if (registered.some((r) => r.id === s.id)) throw new Error(`Duplicate script ID '${s.id}'`);
          registered.push(structuredClone(s));
        }
      },
      unregisterContentScripts: async (filter) => {
        calls.push('unregister');
        registered.splice(0, registered.length, ...registered.filter((r) => !filter?.ids?.includes(r.id)));
      },
    },
  };
  return { deps, registered, calls, state };
}

describe('content script registration', () => {
  it('writes match patterns with the port where the browser takes one (Chrome), by host where not (Firefox)', () => {
    expect(matchPattern('http://127.0.0.1:41234', true)).toBe('http://127.0.0.1:41234/*');
    expect(matchPattern('http://127.0.0.1:41234', false)).toBe('http://127.0.0.1/*');
    expect(matchPattern('https://teleacces.example', true)).toBe('https://teleacces.example/*');
  });

  it('registers the script for the active tokens’ login origins that Jeton has access to, in every frame', async () => {
    const b = fakeBrowser(['https://teleacces.example/*', 'http://127.0.0.1/*']);
    b.state.tokens = [token(['https://teleacces.example', 'https://sans-acces.example']), token(['http://127.0.0.1:41234'])];
    expect(await syncContentScripts(b.deps)).toEqual(['http://127.0.0.1:41234/*', 'https://teleacces.example/*']);
    expect(b.registered).toEqual([
      { id: CONTENT_SCRIPT_ID, matches: ['http://127.0.0.1:41234/*', 'https://teleacces.example/*'], js: [CONTENT_SCRIPT_FILE], allFrames: true, runAt: 'document_idle', persistAcrossSessions: true },
    ]);
  });

  it('follows changes: nothing to do when nothing changed, re-registered for a new origin, removed when no token is left', async () => {
    const b = fakeBrowser(['https://teleacces.example/*', 'https://autre.example/*']);
    b.state.tokens = [token(['https://teleacces.example'])];
    await syncContentScripts(b.deps);
    await syncContentScripts(b.deps);
    expect(b.calls).toEqual(['register']);
    b.state.tokens.push(token(['https://autre.example']));
    await syncContentScripts(b.deps);
    expect(b.registered[0]?.matches).toEqual(['https://autre.example/*', 'https://teleacces.example/*']);
    b.state.tokens = [];
    await syncContentScripts(b.deps);
    expect(b.registered).toEqual([]);
  });

  it('registers nothing for pending, expired or demo tokens, without host access, or when the policy turns filling off', async () => {
    const b = fakeBrowser(['https://teleacces.example/*']);
    b.state.tokens = [
      token(['https://teleacces.example'], { server: { state: 'pending', loginOrigins: ['https://teleacces.example'] } as TokenRecord['server'] }),
      token(['https://teleacces.example'], { expiresAt: '2020-01-01T00:00:00Z' }),
      token(['https://sans-acces.example']),
    ];
    expect(await syncContentScripts(b.deps)).toEqual([]);
    b.state.tokens.push(token(['https://teleacces.example']));
    expect(await syncContentScripts(b.deps)).toEqual(['https://teleacces.example/*']);
    b.state.policy = parsePolicy({ fillEnabled: false });
    expect(await syncContentScripts(b.deps)).toEqual([]);
    expect(b.registered).toEqual([]);
  });

  it('runs one sync at a time, so changes arriving together never register the id twice', async () => {
    const b = fakeBrowser(['http://127.0.0.1/*'], false);
    b.state.tokens = [token(['http://127.0.0.1:41234'])];
    const errors: unknown[] = [];
    const sync = serialSync(b.deps, (err) => errors.push(err));
    await Promise.all([sync(), sync(), sync()]);
    expect(errors).toEqual([]);
    expect(b.registered.map((r) => r.matches)).toEqual([['http://127.0.0.1/*']]);
  });
});
