/**
 * The add-a-token journey in real Firefox ESR: puppeteer-core over WebDriver
 * BiDi, the test build of the extension installed as a temporary add-on,
 * against the real server. Run by `npm run test:e2e` (not Playwright, which
 * cannot load extensions into Firefox).
 *
 *   link from the activation e-mail → popup: paste, submit → choose the PIN →
 *   token confirmed (active on the server) → its code accepted by /login
 */
import assert from 'node:assert/strict';
import type { Browser } from 'puppeteer-core';
import { startJetonServer, type JetonServer } from '../server.ts';
import { extractActivationLink } from '../mail.ts';
import { addToken, openPopup, pageSays, readFreshCode, runInFirefox, step } from './harness.ts';
import { submitLogin } from './login.ts';

const PIN = '482916';

async function journey(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const user = await server.createUser('renard');
  step(`user ${user.username} created`);
  await server.issueActivation(user.username);
  const link = extractActivationLink(await server.mailbox.waitFor(user.email));
  step('activation e-mail received');

  const popup = await openPopup(browser, popupUrl);
  try {
    await addToken(popup, link, PIN);
  } catch (err) {
    console.error(`The popup showed: ${await pageSays(popup)}`);
    throw err;
  }
  const state = server.sql((db) =>
    db.prepare('SELECT t.state FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.username = ?').all(user.username),
  ) as Array<{ state: string }>;
  assert.deepEqual(state, [{ state: 'active' }], 'the server holds exactly one active token for the user');
  step('token active on the server');

  // Right after the confirmation the popup already shows a code the server takes (the next step's, §7): no waiting.
  const code = await readFreshCode(popup);
  const login = await browser.newPage();
  const outcome = await submitLogin(login, server.url, user, code);
  assert.ok(outcome.accepted, `/login accepts the popup's code (${outcome.summary})`);
  step('the code shown in the popup is accepted by /login');
}

await runInFirefox('Firefox journey', async ({ browser, popupUrl, serve }) => {
  const server = await serve(startJetonServer());
  await journey(server, browser, popupUrl);
});
