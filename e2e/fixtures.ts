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
import { launchWithExtension, popupPath, type LoadedBrowser } from './chromium.ts';
import { startJetonServer, type JetonServer } from './server.ts';

export { launchWithExtension, popupPath } from './chromium.ts';

interface TestFixtures {
  /** A fresh Chromium profile directory, removed afterwards. */
  userDataDir: string;
  /** Chromium with the extension, and the extension's id. */
  loaded: LoadedBrowser;
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
  loaded: async ({ userDataDir }, use) => {
    const loaded = await launchWithExtension(userDataDir);
    await use(loaded);
    await loaded.context.close();
  },
  context: async ({ loaded }, use) => {
    await use(loaded.context);
  },
  extensionId: async ({ loaded }, use) => {
    await use(loaded.extensionId);
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
