/**
 * DESIGN.md journey 1 and 2, whole: portal → security question → add a
 * device → the e-mail → the link pasted in the popup → PIN → token active →
 * its code accepted by /login → "Soumettre" reports the device active.
 */
import { expect, test } from './fixtures.ts';
import { extractActivationCode, extractActivationLink } from './mail.ts';
import { addToken, readFreshCode } from './popup.ts';
import { loginOnSamplePage, requestActivationOnPortal, submitOnPortal } from './portal.ts';

test('a user gets a token on the portal, adds it from the e-mailed link and logs in with its code', async ({ context, openPopup, server }) => {
  const user = await server.createUser('parcours');

  const portal = await context.newPage();
  const shown = await requestActivationOnPortal(portal, server.url, user);
  expect(shown.serverUrl).toBe(`${server.url}/aotp/v1/provision?profile=teleacces`);

  const mail = await server.mailbox.waitFor(user.email);
  const link = extractActivationLink(mail);
  expect(extractActivationCode(mail), 'the e-mail carries the code the portal shows').toBe(shown.code);
  expect(link, 'the e-mail carries the link the portal shows').toBe(shown.link);

  // Before the device is added, "Soumettre" says no device used the code yet (and offers "Soumettre" again).
  expect(await submitOnPortal(portal)).toBe('waiting');

  const popup = await openPopup();
  const account = await addToken(popup, link, '2468');
  await expect(account.getByTestId('issuer')).toHaveText('Téléaccès');
  await expect(account.getByTestId('user')).toHaveText(user.username);
  await expect(account.getByTestId('expiry')).toHaveAttribute('data-expires-at', /^\d{4}-\d{2}-\d{2}/);
  await expect(account.getByTestId('countdown')).toHaveText(/\d+\s*s/);

  const tokens = server.sql((db) =>
    db.prepare('SELECT t.state FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.username = ?').all(user.username),
  );
  expect(tokens, 'the server holds one active token for the user').toEqual([{ state: 'active' }]);

  // Right after the confirmation the popup already shows a code the server takes (the next step's, §7): no waiting.
  const code = await readFreshCode(account);
  const login = await context.newPage();
  const outcome = await loginOnSamplePage(login, server.url, user, code);
  expect(outcome.status, outcome.text).toBe(200);

  // The same code a second time is a replay: refused (§7).
  const replay = await loginOnSamplePage(login, server.url, user, code);
  expect(replay.status, replay.text).toBe(401);

  expect(await submitOnPortal(portal)).toBe('active');
  await expect(portal.locator('#finalize-status')).toContainText('C’est fait');
});
