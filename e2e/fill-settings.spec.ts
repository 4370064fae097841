/**
 * Filling without the mouse: the keyboard command (Alt+Shift+J) on a
 * focused code field, and « Remplir automatiquement à l'ouverture de la
 * page » turned on in the popup's settings (off by default).
 */
import { offerOf, runFillCommand } from './fill.ts';
import { expect, test } from './fill-fixtures.ts';

test('the keyboard command fills the focused code field', async ({ context, extensionId, pinned, token }) => {
  void token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/otc.html`);
  await page.locator('#otp').focus();
  await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'fill');
  // What Alt+Shift+J makes the worker do.
  await runFillCommand(context, extensionId, `${pinned.origin}/otc.html`);
  await expect(page.locator('#otp')).toHaveValue(/^\d{6}$/);
  // The command fills only a focused code field: with the focus on a decoy, nothing happens.
  await page.reload();
  await page.locator('#promo').focus();
  await runFillCommand(context, extensionId, `${pinned.origin}/otc.html`);
  await page.waitForTimeout(1_500);
  await expect(page.locator('#otp')).toHaveValue('');
  await expect(page.locator('#promo')).toHaveValue('');
});

test('with « Remplir automatiquement », the code is filled when the page opens, and not before it is turned on', async ({ context, pinned, token }) => {
  const { popup } = token;
  const page = await context.newPage();
  await page.goto(`${pinned.origin}/otc.html`);
  await page.waitForTimeout(1_500);
  await expect(page.locator('#otp'), 'off by default').toHaveValue('');

  await popup.bringToFront();
  await popup.getByTestId('settings').click();
  const box = popup.getByTestId('auto-fill');
  await expect(box).not.toBeChecked();
  await box.check();
  await expect(box).toBeChecked();

  await page.bringToFront();
  await page.reload();
  await expect(page.locator('#otp')).toHaveValue(/^\d{6}$/);
  // A field that the page adds later is filled too.
  await page.goto(`${pinned.origin}/spa.html`);
  await page.locator('#next').click();
  await expect(page.locator('#jeton')).toHaveValue(/^\d{6}$/);
  await page.locator('#send').click();
  await expect(page.locator('#state')).toHaveText(/^\d{6}$/);
});
