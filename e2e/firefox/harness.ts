/**
 * What the Firefox ESR scripts share: Firefox launched over WebDriver BiDi
 * (puppeteer-core) with the test build installed as a temporary add-on under
 * a known UUID, so the popup's moz-extension:// URL is known in advance; the
 * popup steps every journey begins with; and the script's outcome as one line
 * and an exit code. Playwright cannot load extensions into Firefox.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { REPO_ROOT } from '../server.ts';

const FIREFOX = process.env.JETON_FIREFOX ?? '/usr/bin/firefox-esr';
const EXTENSION_DIR = resolve(REPO_ROOT, process.env.JETON_E2E_FIREFOX_EXTENSION ?? 'dist/e2e-firefox');
const MIN_STEP_LEFT_MS = 3_000;

export const byTestId = (id: string): string => `[data-testid="${id}"]`;

/** One line of the script's progress. */
export const step = (message: string): void => console.info(`  · ${message}`);

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
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

/** The trimmed text of the first match of `selector`, or undefined when there is none. */
export async function textOf(page: Page, selector: string): Promise<string | undefined> {
  const el = await page.$(selector);
  return el ? ((await el.evaluate((e) => e.textContent ?? '')) as string).trim() : undefined;
}

/** An attribute of the first match of `selector` (null when absent), or undefined when there is no match. */
export async function attrOf(page: Page, selector: string, name: string): Promise<string | null | undefined> {
  const el = await page.$(selector);
  return el ? ((await el.evaluate((e, n) => e.getAttribute(n), name)) as string | null) : undefined;
}

/** What a page shows, on one line: a failure then says more than "timed out". */
export async function pageSays(page: Page): Promise<string> {
  try {
    return (await page.evaluate(() => document.body?.innerText ?? '')).replace(/\s+/g, ' ').slice(0, 600);
  } catch (err) {
    return `(unreadable: ${(err as Error).message})`;
  }
}

/** Opens the popup and waits for its main screen; a second page if the first never loaded (seen on a loaded machine). */
export async function openPopup(browser: Browser, popupUrl: string): Promise<Page> {
  for (let attempt = 1; ; attempt++) {
    const popup = await browser.newPage();
    // Firefox sends no navigation events for moz-extension:// pages: start, then wait for an element.
    void popup.goto(popupUrl).catch(() => undefined);
    try {
      await popup.waitForSelector(byTestId('add-account'), { timeout: 30_000 });
      return popup;
    } catch (err) {
      const shown = await pageSays(popup);
      await popup.close().catch(() => undefined);
      if (attempt === 2) throw new Error(`The popup did not show its main screen; it showed: ${shown.slice(0, 300)}`, { cause: err });
      console.warn(`  ! the popup did not load (it showed: ${shown.slice(0, 120)}); opening it again`);
    }
  }
}

/** Add screen → link → submit; with a PIN, the PIN screen too; waits for a confirmed token with a code. */
export async function addToken(popup: Page, link: string, pin?: string): Promise<void> {
  await popup.click(byTestId('add-account'));
  await popup.waitForSelector(byTestId('activation-link'));
  await popup.type(byTestId('activation-link'), link);
  await until('the link to fill the activation code', async () => {
    const value = await popup.$eval(byTestId('activation-code'), (el) => (el as HTMLInputElement).value);
    return value.replace(/\D/g, '').length === 8 ? value : undefined;
  });
  await popup.click(byTestId('submit'));
  step('link pasted and submitted');
  if (pin !== undefined) {
    await until('the PIN choice screen', async () => {
      const error = await textOf(popup, byTestId('error'));
      if (error) throw new Error(`the popup says: ${error}`);
      return (await popup.$(byTestId('pin-confirm'))) ?? undefined;
    });
    await popup.type(byTestId('pin'), pin);
    await popup.type(byTestId('pin-confirm'), pin);
    await popup.click(byTestId('submit'));
    step('PIN chosen');
  }
  await until(
    'a confirmed token with a code',
    async () => {
      const error = await textOf(popup, byTestId('error'));
      if (error) throw new Error(`the popup says: ${error}`);
      const code = await textOf(popup, `${byTestId('account')} ${byTestId('code')}`);
      return code && /^\d{3} \d{3}$/.test(code) && (await popup.$(byTestId('pending'))) === null ? true : undefined;
    },
    60_000,
  ).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}; the popup shows: ${await pageSays(popup)}`);
  });
}

/** The popup's code, read when at least a few seconds of its step are left. */
export async function readFreshCode(popup: Page): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const endsAt = Number(await attrOf(popup, byTestId('countdown'), 'data-ends-at'));
    assert.ok(endsAt > 0, 'countdown has data-ends-at');
    const left = endsAt - Date.now();
    if (left >= MIN_STEP_LEFT_MS) {
      const code = ((await textOf(popup, byTestId('code'))) ?? '').replace(/\D/g, '');
      if (Number(await attrOf(popup, byTestId('countdown'), 'data-ends-at')) === endsAt) return code;
      continue;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, left) + 500));
  }
  throw new Error('Could not read a code with enough time left.');
}

/** A server a script starts: stopped at the end, its output printed when the script fails. */
interface Service {
  stop(): Promise<void>;
  log?(): string;
}

export interface FirefoxRun {
  browser: Browser;
  popupUrl: string;
  /** Registers a started server so that it is stopped at the end (and its log shown on failure). */
  serve<S extends Service>(started: Promise<S>): Promise<S>;
}

/**
 * Runs one Firefox script: Firefox ESR (French first) with the test build
 * installed, `body`, then everything closed and removed. Prints `✓ name
 * passed` or `✗ name failed` and sets the exit code.
 */
export async function runInFirefox(name: string, body: (run: FirefoxRun) => Promise<void>): Promise<void> {
  const started = Date.now();
  const services: Service[] = [];
  const home = mkdtempSync(join(tmpdir(), 'jeton-firefox-home-'));
  const profile = mkdtempSync(join(tmpdir(), 'jeton-firefox-profile-'));
  let browser: Browser | undefined;
  try {
    const manifestFile = join(EXTENSION_DIR, 'manifest.json');
    if (!existsSync(FIREFOX)) throw new Error(`Firefox ESR is missing at ${FIREFOX} (apt-get install firefox-esr, or set JETON_FIREFOX).`);
    if (!existsSync(manifestFile)) throw new Error(`${manifestFile} is missing: run npm run build:e2e.`);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { action?: { default_popup?: string }; browser_specific_settings?: { gecko?: { id?: string } } };
    const geckoId = manifest.browser_specific_settings?.gecko?.id;
    const popupPath = manifest.action?.default_popup?.replace(/^\//, '');
    if (!geckoId || !popupPath) throw new Error(`${manifestFile} lacks browser_specific_settings.gecko.id or action.default_popup.`);
    const uuid = randomUUID();
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
    assert.equal(await browser.installExtension(EXTENSION_DIR), geckoId, 'Firefox installed the extension under its gecko id');
    console.info(`Firefox ${await browser.version()}: extension ${geckoId} installed`);
    const serve = async <S extends Service>(starting: Promise<S>): Promise<S> => {
      const service = await starting;
      services.push(service);
      return service;
    };
    await body({ browser, popupUrl: `moz-extension://${uuid}/${popupPath}`, serve });
    console.info(`✓ ${name} passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    for (const service of services) if (service.log) console.error(`Server output (last 3000 characters):\n${service.log().slice(-3000)}`);
    console.error(`✗ ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  } finally {
    await browser?.close().catch(() => undefined);
    for (const service of services) await service.stop().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}
