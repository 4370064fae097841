/** The sample login page in Firefox (puppeteer-core): username and password, then the access code. */
import type { Page } from 'puppeteer-core';
import type { TestUser } from '../server.ts';

export interface LoginOutcome {
  accepted: boolean;
  summary: string;
}

/** Both steps of the sample login page: username and password, then the access code on the second page. */
export async function submitLogin(page: Page, baseUrl: string, user: TestUser, code: string): Promise<LoginOutcome> {
  await page.goto(`${baseUrl}/login`);
  await page.type('input[name="username"]', user.username);
  await page.type('input[name="password"]', user.password);
  const [first] = await Promise.all([page.waitForNavigation(), page.$eval('form:has(input[name="password"])', (form) => (form as HTMLFormElement).requestSubmit())]);
  if (new URL(page.url()).pathname !== '/login/code') {
    const status = first?.status() ?? 0;
    const text = (await page.$eval('main', (el) => (el as HTMLElement).innerText)).trim().replace(/\s+/g, ' ');
    return { accepted: false, summary: `HTTP ${status} after the password: ${text.slice(0, 200)}` };
  }
  // The content script may have offered or filled the field already: type over it.
  await page.$eval('input[name="otp"]', (el) => ((el as HTMLInputElement).value = ''));
  await page.type('input[name="otp"]', code);
  const [response] = await Promise.all([page.waitForNavigation(), page.$eval('form:has(input[name="otp"])', (form) => (form as HTMLFormElement).requestSubmit())]);
  const status = response?.status() ?? 0;
  const text = (await page.$eval('main', (el) => (el as HTMLElement).innerText)).trim().replace(/\s+/g, ' ');
  return { accepted: status === 200, summary: `HTTP ${status}: ${text.slice(0, 200)}` };
}
