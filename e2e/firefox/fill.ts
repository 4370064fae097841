/**
 * Filling in real Firefox ESR: puppeteer-core over WebDriver BiDi, the test
 * build installed as a temporary add-on, against the real server. A user
 * adds a token, opens the two-step /login, focuses the code field on
 * /login/code, clicks Jeton's button at its centre (a real, trusted click)
 * and is logged in. Firefox registers the content script by host (its match
 * patterns have no port), so the script also loads on another port of the
 * same host: there the background must answer it nothing, which the last
 * step checks.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'puppeteer-core';
import { extractActivationLink } from '../mail.ts';
import { startPagesServer, type PagesServer } from '../pages.ts';
import { startJetonServer, type JetonServer } from '../server.ts';
import { addToken, openPopup, runInFirefox, step, until } from './harness.ts';

const PIN = '731904';

async function journey(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const user = await server.createUser('ffremplir');
  await server.issueActivation(user.username);
  const link = extractActivationLink(await server.mailbox.waitFor(user.email));
  await addToken(await openPopup(browser, popupUrl), link, PIN);
  step('token added and confirmed');
  // Filled right away: in the step that confirmed the token, Jeton gives the next step's code, which the server takes (§7).
  const page = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.type('input[name="username"]', user.username);
  await page.type('input[name="password"]', user.password);
  await Promise.all([page.waitForNavigation(), page.$eval('form:has(input[name="password"])', (form) => (form as HTMLFormElement).requestSubmit())]);
  assert.equal(new URL(page.url()).pathname, '/login/code', 'the password step leads to the code page');
  step('password step passed: /login/code');

  // The content script is registered once the token is saved; a page opened before that has none, so reload until it has.
  const offer = await until(
    'Jeton’s button next to the focused code field',
    async () => {
      await page.focus('input[name="otp"]');
      const found = await page.waitForSelector('[data-jeton-offer="fill"]', { timeout: 2_000 }).catch(() => null);
      if (!found) await page.reload();
      return found ?? undefined;
    },
    30_000,
  );
  assert.equal(await page.$eval('input[name="otp"]', (el) => (el as HTMLInputElement).value), '', 'no code in the page before the click');
  const box = await offer.boundingBox();
  assert.ok(box, 'the button has a box');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const code = await until('the code filled in', async () => {
    const value = await page.$eval('input[name="otp"]', (el) => (el as HTMLInputElement).value);
    return /^\d{6}$/.test(value) ? value : undefined;
  });
  step(`Jeton's button clicked: ${code.length} digits filled`);

  const [response] = await Promise.all([page.waitForNavigation(), page.$eval('form:has(input[name="otp"])', (form) => (form as HTMLFormElement).requestSubmit())]);
  const result = await page.$eval('#login-result', (el) => el.getAttribute('data-ok'));
  assert.equal(result, 'true', `logged in (HTTP ${response?.status() ?? 0})`);
  step('logged in with the filled code');
}

/** Same host, another port: the script is loaded (host pattern) but gets no offer, so no button shows. */
async function otherPort(browser: Browser, other: PagesServer): Promise<void> {
  const page = await browser.newPage();
  await page.goto(`${other.origin}/otc.html`);
  await page.focus('#otp');
  // Long enough for the content script to have asked the background and drawn a button if it were told to.
  await new Promise((r) => setTimeout(r, 2_000));
  assert.equal(await page.$('[data-jeton-offer]'), null, `no button on ${other.origin}, another port of the login host`);
  step(`nothing offered on ${other.origin} (another port)`);
}

await runInFirefox('Firefox fill journey', async ({ browser, popupUrl, serve }) => {
  const server = await serve(startJetonServer());
  const other = await serve(startPagesServer());
  await journey(server, browser, popupUrl);
  await otherPort(browser, other);
});
