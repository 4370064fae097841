/**
 * Filling on the page shapes sites really use, each on Jeton's own test
 * pages served from the token's login origin: a one-time-code field among
 * decoys, segmented boxes (6 filled one digit each; 4 only copied), fields
 * in open and closed shadow roots, and a script-rendered field without a
 * form that keeps its state only from input events.
 */
import { clickOffer, offerLabels, offerOf } from './fill.ts';
import { expect, test } from './fill-fixtures.ts';

test('fills a one-time-code field and never a decoy', async ({ context, pinned, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/otc.html`);
  for (const decoy of ['#user', '#promo', '#postal']) {
    await page.locator(decoy).focus();
    // Each decoy is followed by the real field below: its button shows the script was listening all along.
    await page.locator('#otp').focus();
    await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'fill');
    await page.locator(decoy).focus();
    await expect(offerOf(page), `no button on ${decoy}`).toHaveCount(0);
  }
  await page.locator('#otp').focus();
  await clickOffer(page);
  await expect(page.locator('#otp')).toHaveValue(/^\d{6}$/);
  for (const decoy of ['#user', '#promo', '#postal']) await expect(page.locator(decoy)).toHaveValue('');
});

test('fills six boxes one digit each, and only copies into four', async ({ context, pinned, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/boxes.html?n=6`);
  await page.locator('#boxes input').first().focus();
  await clickOffer(page);
  // The page's own state, fed by its input events while it moved the focus box to box.
  await expect(page.locator('#joined')).toHaveText(/^\d{6}$/);
  const digits = await page.locator('#boxes input').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
  expect(digits.every((d) => /^\d$/.test(d))).toBe(true);

  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: pinned.origin });
  await page.goto(`${pinned.origin}/boxes.html?n=4`);
  await page.locator('#boxes input').first().focus();
  await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'copy');
  expect(await offerLabels(page)).toEqual(['Copier le code']);
  await clickOffer(page);
  await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'message');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^\d{6}$/);
  const four = await page.locator('#boxes input').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
  expect(four, 'nothing typed into boxes of the wrong count').toEqual(['', '', '', '']);
});

test('fills fields inside open and closed shadow roots', async ({ context, pinned, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/shadow.html`);
  const open = page.locator('otp-open').locator('#open-code');
  await open.focus();
  await clickOffer(page);
  await expect(open).toHaveValue(/^\d{6}$/);

  await page.evaluate(() => (window as unknown as { closedField: HTMLInputElement }).closedField.focus());
  await clickOffer(page);
  await expect.poll(() => page.evaluate(() => (window as unknown as { closedField: HTMLInputElement }).closedField.value)).toMatch(/^\d{6}$/);
});

test('fills a script-rendered field without a form, whose state comes only from input events', async ({ context, pinned, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/spa.html`);
  await page.locator('#next').click();
  await page.locator('#jeton').focus();
  await clickOffer(page);
  await expect(page.locator('#jeton')).toHaveValue(/^\d{6}$/);
  await page.locator('#send').click();
  await expect(page.locator('#state')).toHaveText(/^\d{6}$/);
});
