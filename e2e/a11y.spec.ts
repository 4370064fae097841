/**
 * axe-core on every popup screen: main (empty and with a token), add, PIN
 * choice, locked, settings; 0 violations (WCAG 2.x A and AA, best practices).
 * The popup's CSP (`script-src 'self'`) refuses an injected <script>, so
 * axe's source is evaluated through the DevTools protocol instead.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import type { AxeResults, Result } from 'axe-core';
import { expect, test } from './fixtures.ts';
import { submitActivationLink } from './popup.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

async function axe(page: Page): Promise<Result[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async (tags) => {
    const runner = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe;
    return runner.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  }, TAGS);
  return results.violations;
}

const describe = (violations: Result[]): string =>
  violations.map((v) => `${v.id} (${v.impact ?? '?'}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`).join('\n');

async function expectNoViolations(page: Page, screen: string): Promise<void> {
  const violations = await axe(page);
  expect(violations, `axe on the ${screen} screen:\n${describe(violations)}`).toEqual([]);
}

test('every popup screen passes axe with 0 violations', async ({ openPopup, server }) => {
  const user = await server.createUser('axe');
  const activation = await server.issueActivation(user.username);
  const popup = await openPopup();

  await expect(popup.getByTestId('empty')).toBeVisible();
  await expectNoViolations(popup, 'main (no token)');

  await popup.getByTestId('add-account').click();
  await expect(popup.getByTestId('activation-link')).toBeVisible();
  await expectNoViolations(popup, 'add');

  // The add screen with an error shown.
  await popup.getByTestId('activation-link').fill('otp://p?u=nowhere');
  await popup.getByTestId('submit').click();
  await expect(popup.getByTestId('error')).toBeVisible();
  await expectNoViolations(popup, 'add (with an error)');
  await popup.getByTestId('back').click();

  await submitActivationLink(popup, activation.link);
  await expect(popup.getByTestId('pin-confirm')).toBeVisible({ timeout: 30_000 });
  await expectNoViolations(popup, 'PIN choice');

  await popup.getByTestId('pin').fill('9753');
  await popup.getByTestId('pin-confirm').fill('9753');
  await popup.getByTestId('submit').click();
  const account = popup.getByTestId('account');
  await expect(account.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 });
  await expect(account.getByTestId('pending')).toHaveCount(0, { timeout: 30_000 });
  await expectNoViolations(popup, 'main (a token)');

  await popup.getByTestId('lock').click();
  await expect(account).toHaveAttribute('data-locked', 'true');
  await expectNoViolations(popup, 'locked');

  await popup.getByTestId('settings').click();
  await expect(popup.getByTestId('language')).toBeVisible();
  await expectNoViolations(popup, 'settings');

  await popup.getByTestId('remove').first().click();
  await expect(popup.getByTestId('remove-confirm')).toBeVisible();
  await expectNoViolations(popup, 'settings (confirm removal)');
  await popup.getByTestId('remove-cancel').click();

  await popup.getByTestId('demo').check();
  await popup.getByTestId('back').click();
  await expect(popup.locator('[data-demo="true"]')).toBeVisible();
  await expectNoViolations(popup, 'main (demo token)');
});
