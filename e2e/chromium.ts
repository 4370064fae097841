/**
 * Launching Chromium with the extension loaded, for the Playwright fixtures
 * and the benchmark alike (no dependency on the test runner).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './server.ts';

export const CHROMIUM = process.env.JETON_CHROMIUM ?? '/usr/bin/chromium';
export const EXTENSION_DIR = resolve(REPO_ROOT, process.env.JETON_E2E_EXTENSION ?? 'dist/e2e-chrome');

/** The popup page's path inside the extension, from the manifest. */
export function popupPath(extensionDir = EXTENSION_DIR): string {
  const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8')) as { action?: { default_popup?: string } };
  const popup = manifest.action?.default_popup;
  if (!popup) throw new Error(`${extensionDir}/manifest.json has no action.default_popup.`);
  return popup.replace(/^\//, '');
}

export interface LoadedBrowser {
  context: BrowserContext;
  extensionId: string;
}

/** Launches Chromium on `userDataDir` with only the extension loaded, and finds its id. */
export async function launchWithExtension(userDataDir: string, extensionDir = EXTENSION_DIR): Promise<LoadedBrowser> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    headless: true,
    executablePath: CHROMIUM,
    locale: 'fr-CA',
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--lang=fr-CA',
    ],
  });
  let [worker] = context.serviceWorkers();
  worker ??= await context.waitForEvent('serviceworker', { timeout: 15_000 });
  return { context, extensionId: new URL(worker.url()).host };
}
