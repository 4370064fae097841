/**
 * What a user does in the popup, in Playwright terms, through the popup's
 * data-testids (src/popup/TESTIDS.md).
 */
import { expect, type Locator, type Page } from '@playwright/test';

/** Codes closer than this to the end of their step are not used: wait for the next one. */
const MIN_STEP_LEFT_MS = 3_000;

/** Main screen → add screen → paste the link → submit. */
export async function submitActivationLink(popup: Page, link: string): Promise<void> {
  await popup.getByTestId('add-account').click();
  await popup.getByTestId('activation-link').fill(link);
  // Pasting the link fills the three fields the CA app users know.
  await expect(popup.getByTestId('activation-code')).not.toHaveValue('');
  await popup.getByTestId('submit').click();
}

/** The PIN choice screen: the PIN twice, then submit. */
async function choosePin(popup: Page, pin: string): Promise<void> {
  await popup.getByTestId('pin-confirm').waitFor();
  await popup.getByTestId('pin').fill(pin);
  await popup.getByTestId('pin-confirm').fill(pin);
  await popup.getByTestId('submit').click();
}

/** Adds a token from a link and chooses its PIN; returns its account once confirmed by the server. */
export async function addToken(popup: Page, link: string, pin: string): Promise<Locator> {
  await submitActivationLink(popup, link);
  await choosePin(popup, pin);
  const account = popup.getByTestId('account').last();
  await expect(account.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 });
  await expect(account.getByTestId('pending')).toHaveCount(0, { timeout: 30_000 });
  return account;
}

/**
 * The code an account shows, digits only, taken at least MIN_STEP_LEFT_MS
 * before its step ends (the page's `data-ends-at`), so it is still valid when
 * a test types it somewhere.
 */
export async function readFreshCode(account: Locator): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const countdown = account.getByTestId('countdown');
    const endsAt = Number(await countdown.getAttribute('data-ends-at'));
    expect(endsAt, 'countdown data-ends-at').toBeGreaterThan(0);
    const left = endsAt - Date.now();
    if (left >= MIN_STEP_LEFT_MS) {
      const text = (await account.getByTestId('code').textContent()) ?? '';
      // The step may have turned between the two reads: check it has not.
      if (Number(await countdown.getAttribute('data-ends-at')) === endsAt) return text.replace(/\D/g, '');
      continue;
    }
    await account.page().waitForTimeout(Math.max(0, left) + 300);
    await expect(countdown).not.toHaveAttribute('data-ends-at', String(endsAt));
  }
  throw new Error('Could not read a code with enough time left.');
}

