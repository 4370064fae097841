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
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { extractActivationLink } from '../mail.ts';
import { startPagesServer, type PagesServer } from '../pages.ts';
import { REPO_ROOT, startJetonServer, type JetonServer } from '../server.ts';

const FIREFOX = process.env.JETON_FIREFOX ?? '/usr/bin/firefox-esr';
const EXTENSION_DIR = resolve(REPO_ROOT, process.env.JETON_E2E_FIREFOX_EXTENSION ?? 'dist/e2e-firefox');
const PIN = '731904';
const byTestId = (id: string): string => `[data-testid="${id}"]`;

function step(message: string): void {
  console.info(`  · ${message}`);
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
}

const popupSays = async (popup: Page): Promise<string> => (await popup.evaluate(() => document.body.innerText)).replace(/\s+/g, ' ').slice(0, 400);

/** The popup: paste the link, choose the PIN, wait for the confirmed token. */
async function addToken(browser: Browser, popupUrl: string, link: string): Promise<Page> {
  const popup = await browser.newPage();
  void popup.goto(popupUrl).catch(() => undefined);
  await popup.waitForSelector(byTestId('add-account'), { timeout: 20_000 });
  await popup.click(byTestId('add-account'));
  await popup.type(byTestId('activation-link'), link);
  await popup.click(byTestId('submit'));
  await popup.waitForSelector(byTestId('pin-confirm'), { timeout: 30_000 });
  await popup.type(byTestId('pin'), PIN);
  await popup.type(byTestId('pin-confirm'), PIN);
  await popup.click(byTestId('submit'));
  await until(
    'a confirmed token with a code',
    async () => {
      const code = await popup.$(`${byTestId('account')} ${byTestId('code')}`);
      if (!code || (await popup.$(byTestId('pending')))) return undefined;
      return /^\d{3} \d{3}$/.test((await code.evaluate((el) => el.textContent ?? '')).trim()) ? true : undefined;
    },
    60_000,
  ).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}; the popup shows: ${await popupSays(popup)}`);
  });
  return popup;
}

async function journey(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const user = await server.createUser('ffremplir');
  await server.issueActivation(user.username);
  const link = extractActivationLink(await server.mailbox.waitFor(user.email));
  await addToken(browser, popupUrl, link);
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

async function main(): Promise<void> {
  const started = Date.now();
  const manifestFile = join(EXTENSION_DIR, 'manifest.json');
  if (!existsSync(FIREFOX)) throw new Error(`Firefox ESR is missing at ${FIREFOX} (apt-get install firefox-esr, or set JETON_FIREFOX).`);
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} is missing: run npm run build:e2e.`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { action?: { default_popup?: string }; browser_specific_settings?: { gecko?: { id?: string } } };
  const geckoId = manifest.browser_specific_settings?.gecko?.id;
  const popupPath = manifest.action?.default_popup?.replace(/^\//, '');
  if (!geckoId || !popupPath) throw new Error(`${manifestFile} lacks browser_specific_settings.gecko.id or action.default_popup.`);

  const home = mkdtempSync(join(tmpdir(), 'jeton-firefox-home-'));
  const profile = mkdtempSync(join(tmpdir(), 'jeton-firefox-profile-'));
  const uuid = randomUUID();
  let server: JetonServer | undefined;
  let browser: Browser | undefined;
  let other: PagesServer | undefined;
  try {
    server = await startJetonServer();
    other = await startPagesServer();
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
      args: ['--remote-allow-system-access'],
      env: { ...process.env, HOME: home },
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
        'intl.locale.requested': 'fr',
        'intl.accept_languages': 'fr-CA, fr',
      },
    });
    assert.equal(await browser.installExtension(EXTENSION_DIR), geckoId, 'Firefox installed the extension under its gecko id');
    console.info(`Firefox ${await browser.version()}: extension ${geckoId} installed`);
    await journey(server, browser, `moz-extension://${uuid}/${popupPath}`);
    await otherPort(browser, other);
    console.info(`✓ Firefox fill journey passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    if (server) console.error(`Server output (last 2000 characters):\n${server.log().slice(-2000)}`);
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await other?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  console.error(`✗ Firefox fill journey failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
}
