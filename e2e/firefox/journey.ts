/**
 * The add-a-token journey in real Firefox ESR: puppeteer-core over WebDriver
 * BiDi, the test build of the extension installed as a temporary add-on,
 * against the real server. Run by `npm run test:e2e` (not Playwright, which
 * cannot load extensions into Firefox).
 *
 *   link from the activation e-mail → popup: paste, submit → choose the PIN →
 *   token confirmed (active on the server) → its code accepted by /login
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { REPO_ROOT, startJetonServer, type JetonServer } from '../server.ts';
import { extractActivationLink } from '../mail.ts';
import { submitLogin } from './login.ts';

const FIREFOX = process.env.JETON_FIREFOX ?? '/usr/bin/firefox-esr';
const EXTENSION_DIR = resolve(REPO_ROOT, process.env.JETON_E2E_FIREFOX_EXTENSION ?? 'dist/e2e-firefox');
const PIN = '482916';
const MIN_STEP_LEFT_MS = 3_000;

interface FirefoxManifest {
  action?: { default_popup?: string };
  browser_specific_settings?: { gecko?: { id?: string } };
}

const byTestId = (id: string): string => `[data-testid="${id}"]`;

function step(message: string): void {
  console.info(`  · ${message}`);
}

async function text(handle: ElementHandle): Promise<string> {
  return handle.evaluate((el) => el.textContent ?? '');
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

/** The popup's error sentence, if one is shown: failures then say why instead of timing out blindly. */
async function popupError(popup: Page): Promise<string | undefined> {
  const error = await popup.$(byTestId('error'));
  return error ? (await text(error)).trim() || undefined : undefined;
}

async function readFreshCode(popup: Page): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const endsAt = Number(await popup.$eval(byTestId('countdown'), (el) => el.getAttribute('data-ends-at')));
    assert.ok(endsAt > 0, 'countdown has data-ends-at');
    const left = endsAt - Date.now();
    if (left >= MIN_STEP_LEFT_MS) {
      const code = (await popup.$eval(byTestId('code'), (el) => el.textContent ?? '')).replace(/\D/g, '');
      const still = Number(await popup.$eval(byTestId('countdown'), (el) => el.getAttribute('data-ends-at')));
      if (still === endsAt) return code;
      continue;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, left) + 500));
  }
  throw new Error('Could not read a code with enough time left.');
}

/** What the popup showed when a step failed: its text, so a failure says more than "timed out". */
async function describePopup(popup: Page): Promise<string> {
  try {
    return (await popup.evaluate(() => document.body.innerText)).replace(/\s+/g, ' ').slice(0, 600);
  } catch (err) {
    return `(unreadable: ${(err as Error).message})`;
  }
}

async function journey(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const pages: Page[] = [];
  try {
    await journeySteps(server, browser, popupUrl, pages);
  } catch (err) {
    const popup = pages[0];
    if (popup) console.error(`The popup showed: ${await describePopup(popup)}`);
    throw err;
  }
}

async function journeySteps(server: JetonServer, browser: Browser, popupUrl: string, pages: Page[]): Promise<void> {
  const user = await server.createUser('renard');
  step(`user ${user.username} created`);
  await server.issueActivation(user.username);
  const mail = await server.mailbox.waitFor(user.email);
  const link = extractActivationLink(mail);
  step('activation e-mail received');

  const popup = await browser.newPage();
  pages.push(popup);
  // Firefox sends no navigation events for moz-extension:// pages: start, then wait for an element.
  void popup.goto(popupUrl).catch(() => undefined);
  await popup.waitForSelector(byTestId('add-account'), { timeout: 20_000 });
  await popup.click(byTestId('add-account'));
  await popup.waitForSelector(byTestId('activation-link'));
  await popup.type(byTestId('activation-link'), link);
  await until('the link to fill the activation code', async () => {
    const value = await popup.$eval(byTestId('activation-code'), (el) => (el as HTMLInputElement).value);
    return value.replace(/\D/g, '').length === 8 ? value : undefined;
  });
  await popup.click(byTestId('submit'));
  step('link pasted and submitted');

  await until('the PIN choice screen', async () => {
    const error = await popupError(popup);
    if (error) throw new Error(`the popup says: ${error}`);
    return (await popup.$(byTestId('pin-confirm'))) ?? undefined;
  });
  await popup.type(byTestId('pin'), PIN);
  await popup.type(byTestId('pin-confirm'), PIN);
  await popup.click(byTestId('submit'));
  step('PIN chosen');

  await until('a confirmed token with a code', async () => {
    const error = await popupError(popup);
    if (error) throw new Error(`the popup says: ${error}`);
    const code = await popup.$(`${byTestId('account')} ${byTestId('code')}`);
    if (!code || !/^\d{3} \d{3}$/.test((await text(code)).trim())) return undefined;
    return (await popup.$(byTestId('pending'))) === null ? true : undefined;
  });
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

async function main(): Promise<void> {
  const started = Date.now();
  const manifestFile = join(EXTENSION_DIR, 'manifest.json');
  if (!existsSync(FIREFOX)) throw new Error(`Firefox ESR is missing at ${FIREFOX} (apt-get install firefox-esr, or set JETON_FIREFOX).`);
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} is missing: run npm run build:e2e.`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as FirefoxManifest;
  const geckoId = manifest.browser_specific_settings?.gecko?.id;
  const popupPath = manifest.action?.default_popup?.replace(/^\//, '');
  if (!geckoId || !popupPath) throw new Error(`${manifestFile} lacks browser_specific_settings.gecko.id or action.default_popup.`);

  const home = mkdtempSync(join(tmpdir(), 'jeton-firefox-home-'));
  const profile = mkdtempSync(join(tmpdir(), 'jeton-firefox-profile-'));
  const uuid = randomUUID();
  let server: JetonServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startJetonServer();
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
      // Lets WebDriver BiDi open moz-extension:// pages.
      args: ['--remote-allow-system-access'],
      env: { ...process.env, HOME: home },
      extraPrefsFirefox: {
        // A known UUID, so the popup's moz-extension:// URL is known in advance.
        'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
        'intl.locale.requested': 'fr',
        'intl.accept_languages': 'fr-CA, fr',
      },
    });
    const installed = await browser.installExtension(EXTENSION_DIR);
    assert.equal(installed, geckoId, 'Firefox installed the extension under its gecko id');
    console.info(`Firefox ${await browser.version()}: extension ${geckoId} installed`);
    await journey(server, browser, `moz-extension://${uuid}/${popupPath}`);
    console.info(`✓ Firefox journey passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    if (server) console.error(`Server output (last 3000 characters):\n${server.log().slice(-3000)}`);
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  console.error(`✗ Firefox journey failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
}
