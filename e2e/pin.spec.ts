/**
 * PIN tokens: a wrong PIN is told apart online ("PIN incorrect"), and a
 * token survives the browser closing: it comes back locked and unlocks with
 * the right PIN.
 */
import { expect, launchWithExtension, popupPath, test } from './fixtures.ts';
import { addToken, readFreshCode } from './popup.ts';
import { loginOnSamplePage } from './portal.ts';

const PIN = '8024';

test('a wrong PIN says "PIN incorrect" and the right one unlocks', async ({ openPopup, server }) => {
  const user = await server.createUser('nip');
  const activation = await server.issueActivation(user.username);
  const popup = await openPopup();
  const account = await addToken(popup, activation.link, PIN);

  await popup.getByTestId('lock').click();
  await expect(account).toHaveAttribute('data-locked', 'true');
  await expect(account, 'a locked token shows no code').not.toContainText(/\d{3} \d{3}/);

  await account.getByTestId('pin').fill('1111');
  await account.getByTestId('unlock').click();
  await expect(popup.getByTestId('error')).toHaveText(/(NIP|PIN) incorrect/, { timeout: 30_000 });
  const failures = server.sql(
    (db) => (db.prepare('SELECT login_failures FROM users WHERE username = ?').get(user.username) as { login_failures: number }).login_failures,
  );
  expect(failures, 'the wrong code counted as a failed login on the server').toBeGreaterThanOrEqual(1);

  await account.getByTestId('pin').fill(PIN);
  await account.getByTestId('unlock').click();
  await expect(account).not.toHaveAttribute('data-locked', 'true');
  await expect(account.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/);
  await expect(popup.getByTestId('error')).toHaveCount(0);
});

test('after the browser is closed and reopened, the token is there, locked, and unlocks with its PIN', async ({ userDataDir, server }) => {
  const user = await server.createUser('reouvert');
  const activation = await server.issueActivation(user.username);

  const first = await launchWithExtension(userDataDir);
  try {
    const popup = await first.context.newPage();
    await popup.goto(`chrome-extension://${first.extensionId}/${popupPath()}`);
    await addToken(popup, activation.link, PIN);
  } finally {
    await first.context.close();
  }

  const second = await launchWithExtension(userDataDir);
  try {
    expect(second.extensionId, 'same extension, same profile').toBe(first.extensionId);
    const popup = await second.context.newPage();
    await popup.goto(`chrome-extension://${second.extensionId}/${popupPath()}`);
    const account = popup.getByTestId('account');
    await expect(account).toHaveCount(1);
    await expect(account.getByTestId('user')).toHaveText(user.username);
    await expect(account).toHaveAttribute('data-locked', 'true');
    await expect(account.getByTestId('unlock')).toBeVisible();

    await account.getByTestId('pin').fill(PIN);
    await account.getByTestId('unlock').click();
    await expect(account.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 });
    await expect(popup.getByTestId('error')).toHaveCount(0);

    // The code after a restart is the real one: the server accepts it.
    const code = await readFreshCode(account);
    const outcome = await loginOnSamplePage(await second.context.newPage(), server.url, user, code);
    expect(outcome.status, outcome.text).toBe(200);
  } finally {
    await second.context.close();
  }
});
