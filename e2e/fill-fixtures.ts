/**
 * Fixtures for the fill tests on Jeton's own pages (e2e/pages): a pages
 * server on the token's login origin, another on a second port, and a real
 * Jeton server whose profile names the first as the only login origin. A
 * test that asks for `token` starts with one token added through the popup
 * (PIN 2468) and the content script registered.
 */
import type { Page } from '@playwright/test';
import { test as base, expect } from './fixtures.ts';
import { waitForRegistration } from './fill.ts';
import { extractActivationLink } from './mail.ts';
import { startPagesServer, type PagesServer } from './pages.ts';
import { addToken } from './popup.ts';
import { startJetonServer, type JetonServer } from './server.ts';

const PIN = '2468';

interface FillWorker {
  /** Pages on the token's login origin, `http://127.0.0.1:<port>`. */
  pinned: PagesServer;
  /** The same pages on another port: not a login origin. */
  other: PagesServer;
  /** A Jeton server issuing tokens for `pinned.origin` only. */
  pinnedServer: JetonServer;
}

interface FillTest {
  /** The popup, with one token added and the content script registered. */
  token: { popup: Page };
}

/** A pages server for one worker, stopped when the worker ends. */
// Playwright needs the destructuring pattern even when no fixture is used.
// eslint-disable-next-line no-empty-pattern
const pagesServer = async ({}, use: (pages: PagesServer) => Promise<void>) => {
  const pages = await startPagesServer();
  await use(pages);
  await pages.stop();
};

export const test = base.extend<FillTest, FillWorker>({
  pinned: [pagesServer, { scope: 'worker' }],
  other: [pagesServer, { scope: 'worker' }],
  pinnedServer: [
    async ({ pinned }, use) => {
      const server = await startJetonServer({ config: { defaultProfile: 'teleacces', profiles: { teleacces: { loginOrigins: [pinned.origin] } } } });
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
  token: async ({ context, extensionId, openPopup, pinnedServer, pinned }, use) => {
    const user = await pinnedServer.createUser('pages');
    await pinnedServer.issueActivation(user.username);
    const link = extractActivationLink(await pinnedServer.mailbox.waitFor(user.email));
    const popup = await openPopup();
    await addToken(popup, link, PIN);
    await waitForRegistration(context, extensionId, pinned.origin);
    await use({ popup });
  },
});

export { expect };
