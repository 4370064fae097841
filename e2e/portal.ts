/**
 * What a user does on the server's pages, in Playwright terms: the portal
 * `/virtuel` (French, as the test browser's language is fr-CA) and the
 * sample login page `/login`.
 */
import { expect, type Page } from '@playwright/test';
import type { TestUser } from './server.ts';

export interface PortalActivation {
  code: string;
  link: string;
  serverUrl: string;
}

/** Identify → security question → menu → "Ajouter un autre appareil AOTP"; returns what the page shows. */
export async function requestActivationOnPortal(page: Page, baseUrl: string, user: TestUser): Promise<PortalActivation> {
  await page.goto(`${baseUrl}/virtuel`);
  await page.getByLabel('Nom d’utilisateur').fill(user.username);
  await page.getByRole('button', { name: 'Continuer' }).click();
  await expect(page.locator('#question')).toHaveText(user.question);
  await page.getByLabel('Votre réponse').fill(user.answer);
  await page.getByRole('button', { name: 'Valider' }).click();
  await page.getByRole('button', { name: 'Ajouter un autre appareil AOTP' }).click();
  const code = await page.locator('#activation-code').getAttribute('data-value');
  const link = ((await page.locator('#activation-link').textContent()) ?? '').trim();
  const serverUrl = ((await page.locator('#server-url').textContent()) ?? '').trim();
  expect(code, 'the activation page shows an 8-digit code').toMatch(/^\d{8}$/);
  expect(link).toMatch(/^otp:\/\/p\?/);
  return { code: code!, link, serverUrl };
}

/** "Soumettre" on the activation page; returns the finalize page's progress (`active`, `waiting`…). */
export async function submitOnPortal(page: Page): Promise<string | null> {
  await page.getByRole('button', { name: 'Soumettre' }).click();
  const status = page.locator('#finalize-status');
  await status.waitFor();
  return status.getAttribute('data-progress');
}

export interface LoginOutcome {
  /** The HTTP status of the form's answer: 200 when the code is accepted. */
  status: number;
  /** What the page says, for failure messages. */
  text: string;
}

/**
 * The sample login page in its two steps: username and password, then, on the
 * second page, the access code; returns the answer to the code (or to the
 * password, when it stops there).
 */
export async function loginOnSamplePage(page: Page, baseUrl: string, user: TestUser, code: string): Promise<LoginOutcome> {
  await page.goto(`${baseUrl}/login`);
  await page.locator('input[name="username"]').fill(user.username);
  await page.locator('input[name="password"]').fill(user.password);
  const [first] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
    page.locator('input[name="password"]').press('Enter'),
  ]);
  await page.waitForLoadState();
  if (first.status() !== 303) return { status: first.status(), text: (await page.locator('main').innerText()).trim() };
  await page.waitForURL((url) => url.pathname === '/login/code');
  await page.locator('input[name="otp"]').fill(code);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login/code'),
    page.locator('input[name="otp"]').press('Enter'),
  ]);
  await page.waitForLoadState();
  return { status: response.status(), text: (await page.locator('main').innerText()).trim() };
}
