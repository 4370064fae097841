/**
 * One manifest source (manifest.json), three variations decided at build time:
 * the browser (Chrome/Edge service worker, or Firefox background scripts and
 * gecko settings), the organisation's login hosts, and the test build's
 * loopback hosts. Used by vite.config.ts, so there is no post-build step.
 */
import { readFileSync } from 'node:fs';

export type TargetBrowser = 'chrome' | 'firefox';

/** The teleaccess login hosts a build trusts when the organisation sets none (JETON_LOGIN_HOSTS). */
export const DEFAULT_LOGIN_HOSTS = ['https://teleacces.example/*'];

/** Hosts the end-to-end build adds so tests never meet a permission prompt (automation cannot answer it). */
export const E2E_HOSTS = ['http://127.0.0.1/*', 'http://localhost/*'];

/** Firefox's add-on id; keep it stable, it keys the user's storage. */
export const GECKO_ID = 'jeton@jeton.example';

export interface BuildOptions {
  browser: TargetBrowser;
  /** Match patterns granted at install (the organisation's login hosts). */
  loginHosts: string[];
  e2e: boolean;
}

// The manifest as JSON; the types of crxjs are too narrow for a generic transform.
type Manifest = Record<string, unknown> & { background?: Record<string, unknown>; permissions?: string[] };

/** Reads JETON_LOGIN_HOSTS ("https://a.example/*,https://b.example/*") and checks each is an https match pattern. */
export function loginHostsFromEnv(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return DEFAULT_LOGIN_HOSTS;
  const hosts = value.split(/[\s,]+/).filter(Boolean);
  for (const host of hosts) {
    if (!/^https:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?\/\*$/i.test(host)) {
      throw new Error(`JETON_LOGIN_HOSTS: ${JSON.stringify(host)} is not an https match pattern like https://teleacces.example/*`);
    }
  }
  return hosts;
}

/** Derives the manifest of one build from manifest.json. */
export function deriveManifest(base: Manifest, options: BuildOptions): Manifest {
  const manifest: Manifest = structuredClone(base);
  const hosts = [...options.loginHosts, ...(options.e2e ? E2E_HOSTS : [])];
  manifest.host_permissions = [...new Set(hosts)];
  if (options.e2e) manifest.name = `${String(base.short_name ?? 'Jeton')} (tests)`;
  if (options.browser === 'firefox') {
    const worker = base.background?.service_worker;
    manifest.background = { scripts: [worker], type: 'module' };
    delete manifest.minimum_chrome_version;
    // Firefox has no manifest key `storage` (it warns on load): its managed storage comes from
    // enterprise policies (policies.json, 3rdparty → Extensions → the add-on id), with no schema.
    delete manifest.storage;
    manifest.browser_specific_settings = {
      gecko: {
        id: GECKO_ID,
        // 142: data_collection_permissions is understood, storage.session and MV3 host permissions are mature.
        strict_min_version: '142.0',
        // Jeton sends nothing to its authors; the only server it talks to is the organisation's.
        data_collection_permissions: { required: ['none'] },
      },
    };
  }
  for (const forbidden of ['<all_urls>', '*://*/*', 'http://*/*']) {
    if (JSON.stringify(manifest.host_permissions).includes(forbidden)) throw new Error(`manifest: ${forbidden} is not allowed`);
  }
  return manifest;
}

/** manifest.json as read from disk. */
export const readBaseManifest = (): Manifest => JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')) as Manifest;
