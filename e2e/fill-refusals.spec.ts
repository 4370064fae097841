/**
 * Where Jeton refuses to offer or fill, each next to a control that shows
 * the same page does get the button where it should: another port, the
 * look-alike `localhost` for `127.0.0.1`, a login page framed by another
 * origin, a nearly invisible layer over the field, a nearly transparent
 * page, a click the page made itself, and a locked PIN token.
 */
import type { Page } from '@playwright/test';
import { extensionWorker } from './chromium.ts';
import { clickOffer, offerLabels, offerOf, registeredPatterns } from './fill.ts';
import { expect, test } from './fill-fixtures.ts';

/** Long enough for the content script to have answered a focus (it does in a few ms), so "nothing shown" means refused. */
const SETTLE_MS = 1_500;

async function expectNoOffer(page: Page, why: string): Promise<void> {
  await page.waitForTimeout(SETTLE_MS);
  await expect(offerOf(page), why).toHaveCount(0);
}

test('offers nothing on another port or on localhost, only on the exact login origin', async ({ context, extensionId, pinned, other, token }) => {
  void token;
  expect(await registeredPatterns(context, extensionId), 'the script is registered for the login origin alone, port included').toEqual([`${pinned.origin}/*`]);
  const page = await context.newPage();
  for (const origin of [other.origin, `http://localhost:${pinned.port}`]) {
    await page.goto(`${origin}/otc.html`);
    await page.locator('#otp').focus();
    await expectNoOffer(page, `nothing on ${origin}`);
  }
  await page.goto(`${pinned.origin}/otc.html`);
  await page.locator('#otp').focus();
  await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'fill');
});

test('offers nothing in a login page framed by another origin or sandboxed, and fills in a same-origin frame', async ({ context, pinned, other, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${other.origin}/frame.html?src=${encodeURIComponent(`${pinned.origin}/otc.html`)}`);
  const foreign = page.frameLocator('#login');
  await foreign.locator('#otp').focus();
  await page.waitForTimeout(SETTLE_MS);
  await expect(foreign.locator('[data-jeton-offer]'), 'nothing in a frame whose top page is elsewhere').toHaveCount(0);

  await page.goto(`${pinned.origin}/frame.html?sandbox=1&src=${encodeURIComponent(`${pinned.origin}/otc.html`)}`);
  const sandboxed = page.frameLocator('#login');
  await sandboxed.locator('#otp').focus();
  await page.waitForTimeout(SETTLE_MS);
  await expect(sandboxed.locator('[data-jeton-offer]'), 'nothing in a sandboxed frame').toHaveCount(0);

  await page.goto(`${pinned.origin}/frame.html?src=${encodeURIComponent(`${pinned.origin}/otc.html`)}`);
  const same = page.frameLocator('#login');
  await same.locator('#otp').focus();
  const offer = same.locator('[data-jeton-offer]');
  await expect(offer).toHaveAttribute('data-jeton-offer', 'fill');
  const box = await offer.boundingBox();
  await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
  await expect(same.locator('#otp')).toHaveValue(/^\d{6}$/);
});

test('offers nothing under a nearly invisible layer or on a nearly transparent page', async ({ context, pinned, token }) => {
  void token;
  const page = await context.newPage();
  for (const mode of ['overlay', 'faded']) {
    await page.goto(`${pinned.origin}/covered.html?mode=${mode}`);
    await page.locator('#otp').focus();
    await expectNoOffer(page, `nothing with mode=${mode}`);
    await expect(page.locator('#otp')).toHaveValue('');
  }
  await page.goto(`${pinned.origin}/covered.html?mode=none`);
  await page.locator('#otp').focus();
  await clickOffer(page);
  await expect(page.locator('#otp')).toHaveValue(/^\d{6}$/);
});

test('ignores clicks the page makes on Jeton’s button', async ({ context, pinned, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/synthetic.html`);
  await page.locator('#otp').focus();
  await expect(page.locator('#clicks'), 'the page clicked the button three ways').toHaveText('3');
  await page.waitForTimeout(SETTLE_MS);
  await expect(page.locator('#otp'), 'no code for a synthetic click').toHaveValue('');
  await expect(offerOf(page), 'the button is still there for the person').toHaveAttribute('data-jeton-offer', 'fill');
  await clickOffer(page);
  await expect(page.locator('#otp')).toHaveValue(/^\d{6}$/);
});

test('fills nothing through a button the page made invisible', async ({ context, pinned, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/synthetic.html?mode=fade`);
  await page.locator('#otp').focus();
  await expect(page.locator('#clicks')).toHaveText('faded');
  expect(await offerOf(page).evaluate((host) => getComputedStyle(host).opacity)).toBe('0');
  await clickOffer(page);
  await page.waitForTimeout(SETTLE_MS);
  await expect(page.locator('#otp'), 'no code through an invisible button').toHaveValue('');
});

test('a locked PIN token: « Déverrouiller Jeton », and no code until it is unlocked', async ({ context, extensionId, pinned, token }) => {
  const { popup } = token;
  await popup.getByTestId('lock').click();
  await expect(popup.getByTestId('account')).toHaveAttribute('data-locked', 'true');

  const page = await context.newPage();
  await page.goto(`${pinned.origin}/otc.html`);
  await page.locator('#otp').focus();
  await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'unlock');
  expect(await offerLabels(page)).toEqual(['Déverrouiller Jeton']);
  await clickOffer(page);
  // Jeton's popup opens (action.openPopup) where the browser lets it; otherwise the button says where to unlock.
  const worker = extensionWorker(context, extensionId)!;
  const popupOpen = () =>
    worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { runtime: { getContexts(f: { contextTypes: string[] }): Promise<unknown[]> } } }).chrome;
      return (await api.runtime.getContexts({ contextTypes: ['POPUP'] })).length > 0;
    });
  await expect
    .poll(async () => ((await popupOpen()) ? 'popup' : (await offerOf(page).getAttribute('data-jeton-offer')) === 'message' ? 'hint' : 'nothing'))
    .not.toBe('nothing');
  await expect(page.locator('#otp'), 'no code for a locked token').toHaveValue('');

  await popup.bringToFront();
  await popup.getByTestId('account').getByTestId('pin').fill('2468');
  await popup.getByTestId('account').getByTestId('unlock').click();
  await expect(popup.getByTestId('account')).toHaveAttribute('data-locked', 'false');
  await page.bringToFront();
  // Back to the same field: the button asks again and now fills.
  await page.locator('#otp').blur();
  await page.locator('#otp').focus();
  await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'fill');
  await clickOffer(page);
  await expect(page.locator('#otp')).toHaveValue(/^\d{6}$/);
});
