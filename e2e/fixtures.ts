/**
 * Playwright fixtures: the built extension loaded into a real Chromium
 * (persistent profile, as extensions need), its id read from the service
 * worker URL, a way to open the popup as a page, and the real Jeton server.
 * @see https://github.com/antfu-collective/vitesse-webext/blob/main/e2e/fixtures.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, chromium, type BrowserContext, type Page } from '@playwright/test';
import { REPO_ROOT, startJetonServer, type JetonServer } from './server.ts';

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

interface TestFixtures {
  /** A fresh Chromium profile directory, removed afterwards. */
  userDataDir: string;
  context: BrowserContext;
  extensionId: string;
  /** Opens the popup page in a new tab (as the toolbar button would, but addressable). */
  openPopup: () => Promise<Page>;
}

interface WorkerFixtures {
  /** One real server (and SMTP server) per worker; tests use their own users. */
  server: JetonServer;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    // Playwright needs the destructuring pattern even when no fixture is used.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startJetonServer();
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
  // eslint-disable-next-line no-empty-pattern
  userDataDir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'jeton-chromium-'));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  },
  context: async ({ userDataDir }, use) => {
    const { context } = await launchWithExtension(userDataDir);
    await use(context);
    await context.close();
  },
  extensionId: async ({ context }, use) => {
    let [worker] = context.serviceWorkers();
    worker ??= await context.waitForEvent('serviceworker');
    await use(new URL(worker.url()).host);
  },
  openPopup: async ({ context, extensionId }, use) => {
    const path = popupPath();
    await use(async () => {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      return page;
    });
  },
});

export const expect = test.expect;
