/**
 * Registers the content script for the login origins where some token may
 * fill codes, and only those the extension has host access to
 * (scripting.registerContentScripts; there are no static content_scripts).
 * Called when the worker starts and when tokens, permissions or the policy
 * change. Match patterns are a browser's coarse filter: Chrome's carry the
 * port, Firefox's cannot, so there the script may load on another port of a
 * pinned host; the background then answers it nothing (fill.ts checks the
 * exact origins from `sender`).
 */
import type { Policy } from '../core/policy.ts';
import type { TokenRecord } from '../core/vault.ts';
import { fillOrigins } from './fill-tokens.ts';

/** The content script's file in the built extension (see scripts/build-content.ts). */
export const CONTENT_SCRIPT_FILE = 'content/fill.js';
/** The id of Jeton's one registered content script. */
export const CONTENT_SCRIPT_ID = 'jeton-fill';

export interface RegisteredScript {
  id: string;
  matches?: string[];
  js?: string[];
  allFrames?: boolean;
  runAt?: 'document_start' | 'document_end' | 'document_idle';
  persistAcrossSessions?: boolean;
}

/** The part of `browser.scripting` used here. */
export interface ScriptingArea {
  getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<RegisteredScript[]>;
  registerContentScripts(scripts: RegisteredScript[]): Promise<void>;
  unregisterContentScripts(filter?: { ids?: string[] }): Promise<void>;
}

/** The part of `browser.permissions` used here. */
export interface PermissionsArea {
  contains(permissions: { origins: string[] }): Promise<boolean>;
}

export interface RegistrationDeps {
  readTokens(): Promise<TokenRecord[]>;
  readPolicy(): Promise<Policy>;
  now(): number;
  scripting: ScriptingArea;
  permissions: PermissionsArea;
  /** Firefox match patterns cannot carry a port. */
  portsInPatterns: boolean;
}

/** The match pattern for an origin: `scheme://host[:port]/*` (no port where the browser does not take one). */
export function matchPattern(origin: string, withPort: boolean): string {
  const url = new URL(origin);
  return `${url.protocol}//${withPort ? url.host : url.hostname}/*`;
}

/** The patterns (sorted, without duplicates) for the login origins Jeton may fill on and has host access to. */
async function wantedPatterns(deps: RegistrationDeps): Promise<string[]> {
  const [tokens, policy] = await Promise.all([deps.readTokens(), deps.readPolicy()]);
  const patterns: string[] = [];
  for (const origin of fillOrigins(tokens, policy, deps.now())) {
    // Host access is checked on the host (what the browser grants); the script's pattern keeps the port where it can.
    const granted = await deps.permissions.contains({ origins: [matchPattern(origin, false)] }).catch(() => false);
    if (granted) patterns.push(matchPattern(origin, deps.portsInPatterns));
  }
  return [...new Set(patterns)].sort();
}

/**
 * Makes the registered content script match `wantedPatterns`: registered,
 * updated, or removed when no origin is left. Returns the patterns in force.
 */
export async function syncContentScripts(deps: RegistrationDeps): Promise<string[]> {
  const wanted = await wantedPatterns(deps);
  const current = (await deps.scripting.getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID] })).find((s) => s.id === CONTENT_SCRIPT_ID);
  const have = [...(current?.matches ?? [])].sort();
  if (current && have.join(' ') === wanted.join(' ')) return wanted;
  if (current) await deps.scripting.unregisterContentScripts({ ids: [CONTENT_SCRIPT_ID] });
  if (wanted.length === 0) return wanted;
  await deps.scripting.registerContentScripts([
    {
      id: CONTENT_SCRIPT_ID,
      matches: wanted,
      js: [CONTENT_SCRIPT_FILE],
      // Same-origin frames of a pinned page may hold the code field; the background checks every frame's and top page's origin.
      allFrames: true,
      runAt: 'document_idle',
      persistAcrossSessions: true,
    },
  ]);
  return wanted;
}

/**
 * Runs `syncContentScripts` one at a time: several changes arrive together
 * (a token saved, then confirmed) and two registrations of one id would clash.
 * The chain lives only as long as the worker, which is all it needs.
 */
export function serialSync(deps: RegistrationDeps, onError: (err: unknown) => void): () => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  return () => {
    chain = chain.then(() => syncContentScripts(deps).then(() => undefined, onError));
    return chain;
  };
}
