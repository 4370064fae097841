/**
 * Filling on login pages, in Playwright terms: Jeton's button is the element
 * `[data-jeton-offer]` (its box is the button's), pressed by a real mouse
 * click at its centre, as a person would.
 */
import { expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { extensionWorker } from './chromium.ts';

/** The button Jeton shows next to a code field. */
export const offerOf = (page: Page): Locator => page.locator('[data-jeton-offer]');

/** A real (trusted) click at the centre of Jeton's button. */
export async function clickOffer(page: Page): Promise<void> {
  const offer = offerOf(page);
  await expect(offer).toBeVisible();
  const box = await offer.boundingBox();
  if (!box) throw new Error('Jeton’s button has no box.');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** What the extension's worker has registered as content scripts' match patterns. */
export async function registeredPatterns(context: BrowserContext, extensionId: string): Promise<string[]> {
  const worker = extensionWorker(context, extensionId);
  if (!worker) return [];
  // The worker's own chrome.scripting: what the browser will inject, not what Jeton meant to.
  return worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: { scripting: { getRegisteredContentScripts(): Promise<Array<{ matches?: string[] }>> } } }).chrome;
    return (await api.scripting.getRegisteredContentScripts()).flatMap((s) => s.matches ?? []);
  });
}

/** Waits until the content script is registered for `origin` (the pattern Chrome gets carries the port). */
export async function waitForRegistration(context: BrowserContext, extensionId: string, origin: string): Promise<void> {
  const url = new URL(origin);
  await expect.poll(() => registeredPatterns(context, extensionId), { timeout: 15_000 }).toContain(`${url.protocol}//${url.host}/*`);
}

/** The sample /login: username and password, then the code field on /login/code (the second step). */
export async function openCodeStep(page: Page, baseUrl: string, user: { username: string; password: string }): Promise<Locator> {
  await page.goto(`${baseUrl}/login`);
  await page.locator('input[name="username"]').fill(user.username);
  await page.locator('input[name="password"]').fill(user.password);
  const otp = page.locator('input[name="otp"]');
  await page.locator('input[name="password"]').press('Enter');
  await page.waitForURL((url) => url.pathname === '/login/code');
  return otp;
}

/**
 * The names of Jeton's buttons as a screen reader gets them (Chromium's
 * accessibility tree: the closed shadow root is out of reach of selectors,
 * not of assistive technology).
 */
export async function offerLabels(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ role?: { value?: string }; name?: { value?: string }; ignored?: boolean }> };
    return nodes.filter((n) => !n.ignored && n.role?.value === 'button').map((n) => String(n.name?.value ?? '')).filter((name) => /Jeton|code/i.test(name));
  } finally {
    await cdp.detach();
  }
}

/**
 * What the worker does for the keyboard command (commands.onCommand →
 * background/fill-command.ts): tells the tab's content scripts to fill.
 * Browser shortcuts are handled above the page, out of reach of automation's
 * key events, so tests start here.
 */
export async function runFillCommand(context: BrowserContext, extensionId: string, pageUrl: string): Promise<void> {
  const worker = extensionWorker(context, extensionId);
  if (!worker) throw new Error('The extension’s worker is not running.');
  await worker.evaluate(async (url) => {
    type Tabs = { query(q: object): Promise<Array<{ id: number }>>; sendMessage(id: number, m: unknown): Promise<unknown> };
    const tabs = (globalThis as unknown as { chrome: { tabs: Tabs } }).chrome.tabs;
    const [tab] = await tabs.query({ url });
    if (tab) await tabs.sendMessage(tab.id, { jeton: 1, command: 'fill' }).catch(() => undefined);
  }, pageUrl);
}
