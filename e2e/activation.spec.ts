/**
 * Adding a token when the activation is not usable: mistyped (caught before
 * any network call), expired, already used. Each says why, in the popup.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { addToken, submitActivationLink } from './popup.ts';
import type { JetonServer } from './server.ts';

/** Requests that reached the provisioning endpoint, from the server's request log. */
const provisionRequests = (server: JetonServer): number => server.log().match(/"url":"\/aotp\/v1\/provision[^"]*"/g)?.length ?? 0;

const activationRow = (server: JetonServer, username: string): { state: string; failures: number } =>
  server.sql(
    (db) =>
      db
        .prepare('SELECT a.state, a.failures FROM activations a JOIN users u ON u.id = a.user_id WHERE u.username = ? ORDER BY a.id DESC LIMIT 1')
        .get(username) as { state: string; failures: number },
  );

/** One digit changed: the Damm check digit no longer matches. */
function mistype(code: string): string {
  const i = 3;
  const wrong = String((Number(code[i]) + 1) % 10);
  return code.slice(0, i) + wrong + code.slice(i + 1);
}

async function typeThreeFields(popup: Page, serverUrl: string, userId: string, code: string): Promise<void> {
  await popup.getByTestId('add-account').click();
  await popup.getByTestId('server-url').fill(serverUrl);
  await popup.getByTestId('user-id').fill(userId);
  await popup.getByTestId('activation-code').fill(code);
  await popup.getByTestId('submit').click();
}

test('a mistyped activation code is caught in the popup, before any request reaches the server', async ({ openPopup, server }) => {
  const user = await server.createUser('faute');
  const activation = await server.issueActivation(user.username);
  // The server logs every request: the test relies on that to see "no request".
  await (await fetch(`${server.url}/virtuel?log-check=${user.username}`)).arrayBuffer();
  await expect.poll(() => server.log()).toContain(`"url":"/virtuel?log-check=${user.username}"`);
  const before = provisionRequests(server);

  const popup = await openPopup();
  const grouped = mistype(activation.code).replace(/^(\d{4})(\d{4})$/, '$1 $2');
  await typeThreeFields(popup, activation.serverUrl, user.username, grouped);
  await expect(popup.getByTestId('error')).toBeVisible();
  await expect(popup.getByTestId('error')).toContainText(/code/i);
  await expect(popup.getByTestId('pin-confirm')).toHaveCount(0);

  expect(provisionRequests(server), 'no provisioning request reached the server').toBe(before);
  expect(activationRow(server, user.username), 'the activation counted no failure').toEqual({ state: 'open', failures: 0 });

  // Corrected, the same activation works.
  await popup.getByTestId('activation-code').fill(activation.code);
  await popup.getByTestId('submit').click();
  await expect(popup.getByTestId('pin-confirm')).toBeVisible({ timeout: 30_000 });
  expect(provisionRequests(server)).toBeGreaterThan(before);
  expect(activationRow(server, user.username).state).toBe('used');
});

test('an expired activation says so and points to the portal', async ({ openPopup, server }) => {
  const user = await server.createUser('expire');
  const activation = await server.issueActivation(user.username);
  // Activations last at least one hour (activationValidityHours ≥ 1) and the
  // server's clock is the real one, so the test moves this activation's end
  // into the past in the server's own database, as 72 hours would have.
  const changed = server.sql(
    (db) =>
      db.prepare('UPDATE activations SET expires_at = ? WHERE user_id = (SELECT id FROM users WHERE username = ?)').run(Date.now() - 60_000, user.username)
        .changes,
  );
  expect(changed).toBe(1);

  const popup = await openPopup();
  await submitActivationLink(popup, activation.link);
  const error = popup.getByTestId('error');
  await expect(error).toContainText(/expir/i);
  await expect(error.getByTestId('portal-link')).toHaveAttribute('href', new RegExp(`^${server.url}/virtuel`));
  await expect(popup.getByTestId('pin-confirm')).toHaveCount(0);
  expect(await popup.getByTestId('account').count()).toBe(0);
});

test('an activation link used once cannot add a second token', async ({ openPopup, server }) => {
  const user = await server.createUser('reemploi');
  const activation = await server.issueActivation(user.username);

  const popup = await openPopup();
  await addToken(popup, activation.link, '1357');
  await expect(popup.getByTestId('account')).toHaveCount(1);

  await submitActivationLink(popup, activation.link);
  await expect(popup.getByTestId('error')).toContainText(/déjà servi|déjà utilisé|already (been )?used/i);
  await expect(popup.getByTestId('pin-confirm')).toHaveCount(0);
  await popup.getByTestId('back').click();
  await expect(popup.getByTestId('account'), 'still one token').toHaveCount(1);
});
