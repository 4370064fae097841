/**
 * Playwright fixtures: the built extension loaded into a real Chromium
 * (persistent profile, as extensions need), its id read from the service
 * worker URL, a way to open the popup as a page, and the real Jeton server.
 * @see https://github.com/antfu-collective/vitesse-webext/blob/main/e2e/fixtures.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, type BrowserContext, type Page } from '@playwright/test';
import { launchWithExtension, popupPath } from './chromium.ts';
import { startJetonServer, type JetonServer } from './server.ts';

export { CHROMIUM, EXTENSION_DIR, launchWithExtension, popupPath } from './chromium.ts';

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
