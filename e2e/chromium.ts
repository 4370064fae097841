/**
 * Launching Chromium with the extension loaded, for the Playwright fixtures
 * and the benchmark alike (no dependency on the test runner).
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
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
  const expectedId = unpackedExtensionId(extensionDir);
  const ours = (w: Worker): boolean => w.url().startsWith(`chrome-extension://${expectedId}/`);
  let worker = context.serviceWorkers().find(ours) ?? (await context.waitForEvent('serviceworker', { predicate: ours, timeout: 10_000 }).catch(() => undefined));
  if (!worker) {
    // Seen on a loaded machine: no worker reported although the extension is
    // there. An extension page wakes the worker (its first message does) and
    // lets Playwright see it; if even that fails, the error says why.
    console.warn(`No service worker reported for ${expectedId} after 10 s: opening its popup to wake it.`);
    const page = await context.newPage();
    try {
      await page.goto(`chrome-extension://${expectedId}/${popupPath(extensionDir)}`);
      worker = context.serviceWorkers().find(ours) ?? (await context.waitForEvent('serviceworker', { predicate: ours, timeout: 15_000 }));
    } catch (err) {
      await context.close();
      throw new Error(`The extension ${extensionDir} did not start in Chromium: ${(err as Error).message}`, { cause: err });
    } finally {
      if (!page.isClosed()) await page.close().catch(() => undefined);
    }
  }
  return { context, extensionId: new URL(worker.url()).host };
}

/** The extension's service worker as it runs now (undefined when the browser has stopped it). */
export function extensionWorker(context: BrowserContext, extensionId: string): Worker | undefined {
  return context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`));
}

/**
 * The id Chromium gives an unpacked extension without a `key`: the first 128
 * bits of SHA-256 of its absolute path, each hex digit written a–p.
 */
function unpackedExtensionId(extensionDir: string): string {
  const digest = createHash('sha256').update(realpathSync(extensionDir)).digest('hex').slice(0, 32);
  return [...digest].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}
