/**
 * Expiry in real Chromium against the real server, with short profiles
 * (tokens valid 10 days, renewal open for the last 10): the state, the days
 * left, the warning and the badge; « Renouveler » (with and without PIN)
 * makes a new token the server accepts at `/login` while the old one is
 * superseded; a token revoked with the admin CLI shows as revoked; five wrong
 * PINs end in the lockout message, not an unlock.
 */
import type { Locator, Page, Worker } from '@playwright/test';
import { extensionWorker } from './chromium.ts';
import { expect, test as base } from './fixtures.ts';
import { addToken, readFreshCode, submitActivationLink } from './popup.ts';
import { loginOnSamplePage } from './portal.ts';
import { startJetonServer, type JetonServer, type TestUser } from './server.ts';
import { SHORT_PROFILES } from './short-profiles.ts';

const test = base.extend<object, { shortServer: JetonServer }>({
  shortServer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startJetonServer({ config: SHORT_PROFILES });
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
});

const PIN = '8024';

interface TokenRow {
  id: string;
  state: string;
  renews_token_id: string | null;
}

const tokensOf = (server: JetonServer, username: string): TokenRow[] =>
  server.sql((db) =>
    db
      .prepare('SELECT t.id, t.state, t.renews_token_id FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.username = ? ORDER BY t.issued_at, t.id')
      .all(username),
  ) as TokenRow[];

async function activationLink(server: JetonServer, username: string, profile?: string): Promise<string> {
  const json = await server.admin(['activation', 'issue', '--username', username, ...(profile ? ['--profile', profile] : []), '--json']);
  if (typeof json.link !== 'string') throw new Error(`activation issue: ${JSON.stringify(json)}`);
  return json.link;
}

/** The extension's service worker, to read the toolbar badge. */
function worker(page: Page, extensionId: string): Worker {
  const found = extensionWorker(page.context(), extensionId);
  if (!found) throw new Error('no service worker');
  return found;
}

const badgeText = (w: Worker): Promise<string> => w.evaluate(() => (globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }).chrome.action.getBadgeText({}));


/** The popup's code, fresh, logs the user in on the sample /login page. */
async function expectCodeAccepted(popup: Page, account: Locator, server: JetonServer, user: TestUser): Promise<void> {
  const code = await readFreshCode(account);
  const outcome = await loginOnSamplePage(await popup.context().newPage(), server.url, user, code);
  expect(outcome.status, outcome.text).toBe(200);
}

test('a token 10 days from expiry: warned, badged, renewed in one click, the new code accepted', async ({ openPopup, shortServer: server, extensionId }) => {
  const user = await server.createUser('expire');
  const popup = await openPopup();
  await submitActivationLink(popup, await activationLink(server, user.username));
  const first = popup.getByTestId('account');
  await expect(first.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 });
  const [old] = tokensOf(server, user.username);

  // Opened again: the popup asks the server (§5) and learns that renewal is open.
  await popup.reload();
  const account = popup.getByTestId('account');
  await expect(account).toHaveAttribute('data-state', 'active');
  await expect(account.getByTestId('expiry')).toHaveAttribute('data-days-left', '10');
  await expect(account.getByTestId('expiry-warning')).toHaveText('Ce jeton expire dans 10 jours.');
  await expect(account.getByTestId('renew')).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => badgeText(worker(popup, extensionId)), { timeout: 15_000 }).toBe('10j');

  await account.getByTestId('renew').click();
  await expect(popup.getByTestId('notice')).toHaveText('Jeton renouvelé.', { timeout: 30_000 });
  await expect(account).toHaveAttribute('data-state', 'active');
  // The new token: 10 days again (this profile's renewal window is its whole life, so « Renouveler » stays).
  await expect(account.getByTestId('expiry')).toHaveAttribute('data-days-left', '10');

  const rows = tokensOf(server, user.username);
  expect(rows).toHaveLength(2);
  expect(rows.find((r) => r.id === old!.id)!.state, 'the old token is superseded').toBe('superseded');
  const renewed = rows.find((r) => r.id !== old!.id)!;
  expect(renewed).toMatchObject({ state: 'active', renews_token_id: old!.id });

  // Right after the confirmation the popup already shows a code the server takes (the next step's, §7): no waiting.
  await expectCodeAccepted(popup, account, server, user);
});

test('a PIN token is renewed with its PIN, typed once', async ({ openPopup, shortServer: server }) => {
  const user = await server.createUser('renipe');
  const popup = await openPopup();
  await addToken(popup, await activationLink(server, user.username, 'courtnip'), PIN);
  const [old] = tokensOf(server, user.username);
  await popup.reload();
  const account = popup.getByTestId('account');
  await account.getByTestId('renew').click({ timeout: 30_000 });
  await account.getByTestId('renew-pin').fill(PIN);
  await account.getByTestId('renew-submit').click();
  await expect(popup.getByTestId('notice')).toHaveText('Jeton renouvelé.', { timeout: 30_000 });
  const rows = tokensOf(server, user.username);
  expect(rows.map((r) => [r.id === old!.id ? 'old' : 'new', r.state]).sort()).toEqual([
    ['new', 'active'],
    ['old', 'superseded'],
  ]);
  // Locked and unlocked again: the same PIN opens the new seed.
  await popup.getByTestId('lock').click();
  await account.getByTestId('pin').fill(PIN);
  await account.getByTestId('unlock').click();
  await expect(account.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 });
  await expect(popup.getByTestId('error')).toHaveCount(0);
  await expectCodeAccepted(popup, account, server, user);
});

test('a token revoked with the admin CLI shows as revoked at the next opening, without a code', async ({ openPopup, shortServer: server }) => {
  const user = await server.createUser('revoque');
  const popup = await openPopup();
  await submitActivationLink(popup, await activationLink(server, user.username));
  await expect(popup.getByTestId('account').getByTestId('code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 });
  const [token] = tokensOf(server, user.username);
  await server.admin(['token', 'revoke', '--id', token!.id, '--json']);
  await popup.close();

  const again = await openPopup();
  const account = again.getByTestId('account');
  await expect(account).toHaveAttribute('data-state', 'revoked', { timeout: 30_000 });
  await expect(account.getByTestId('token-state')).toContainText('Jeton révoqué par votre centre de services');
  await expect(account.getByTestId('portal-link')).toHaveAttribute('href', `${server.url}/virtuel`);
  await expect(account.getByTestId('code')).toHaveCount(0);
});

test('five wrong PINs end in the lockout message with its end time, not an unlock', async ({ openPopup, shortServer: server }) => {
  const user = await server.createUser('bloque');
  const popup = await openPopup();
  const account = await addToken(popup, await activationLink(server, user.username, 'courtnip'), PIN);
  await popup.getByTestId('lock').click();
  await expect(account).toHaveAttribute('data-locked', 'true');
  const said: string[] = [];
  for (let i = 0; i < 5; i++) {
    await account.getByTestId('pin').fill(`111${i}`);
    await account.getByTestId('unlock').click();
    const error = popup.getByTestId('error');
    // Each answer replaces the last: wait for this one (the tries left go down, then the lock).
    await expect(error).toHaveText(i < 4 ? `NIP incorrect — ${4 - i} ${4 - i === 1 ? 'essai restant' : 'essais restants'} avant un blocage de 15 minutes` : /^Connexion bloquée jusqu’à \d{1,2} h \d{2} /, {
      timeout: 30_000,
    });
    said.push((await error.textContent()) ?? '');
    await expect(account).toHaveAttribute('data-locked', 'true');
  }
  expect(said[4], 'the fifth wrong PIN locks: the popup says until when').toMatch(/jusqu’à/);
  // The right PIN now: the user is locked, so the server neither checks nor counts it; still no unlock.
  await account.getByTestId('pin').fill(PIN);
  await account.getByTestId('unlock').click();
  await expect(popup.getByTestId('error')).toHaveText(/^Connexion bloquée jusqu’à \d{1,2} h \d{2} /, { timeout: 30_000 });
  await expect(account).toHaveAttribute('data-locked', 'true');
  await expect(account.getByTestId('code')).toHaveCount(0);
});

test('the popup opened from an expiry notification (?renew=<id>) renews that token once', async ({ openPopup, shortServer: server, context, extensionId }) => {
  const user = await server.createUser('notif');
  const popup = await openPopup();
  await submitActivationLink(popup, await activationLink(server, user.username));
  const account = popup.getByTestId('account');
  await expect(account.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 });
  const id = await account.getAttribute('data-account-id');
  await popup.close();

  // What a click on the notification (or its « Renouveler » button) opens.
  const opened = await context.newPage();
  await opened.goto(`chrome-extension://${extensionId}/src/popup/index.html?renew=${id}`);
  await expect(opened.getByTestId('notice')).toHaveText('Jeton renouvelé.', { timeout: 30_000 });
  expect(tokensOf(server, user.username).map((r) => r.state).sort()).toEqual(['active', 'superseded']);
  // The new token could be renewed at once again (10-day window): it is not, by itself.
  await expect(opened.getByTestId('account').getByTestId('renew')).toBeVisible();
  await opened.waitForTimeout(1_000);
  expect(tokensOf(server, user.username)).toHaveLength(2);
});
