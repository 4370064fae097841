/**
 * Expiry in real Firefox ESR against the real server with 10-day profiles
 * (e2e/short-profiles.ts): puppeteer-core over WebDriver BiDi, the test build
 * installed as a temporary add-on.
 *
 *   token 10 days from expiry → popup: state, days left, warning, badge
 *   « 10j » → « Renouveler » → new token active, old superseded, new code
 *   accepted by /login; a PIN token renewed with its PIN; a token revoked
 *   with `token revoke` shown as revoked at the next opening; five wrong
 *   PINs → the lockout message with its end time, and no unlock.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'puppeteer-core';
import { startJetonServer, type JetonServer } from '../server.ts';
import { SHORT_PROFILES } from '../short-profiles.ts';
import { addToken, attrOf, byTestId, openPopup, readFreshCode, runInFirefox, step, textOf, until } from './harness.ts';
import { submitLogin } from './login.ts';

const PIN = '8024';

async function activationLink(server: JetonServer, username: string, profile?: string): Promise<string> {
  const json = await server.admin(['activation', 'issue', '--username', username, ...(profile ? ['--profile', profile] : []), '--json']);
  assert.equal(typeof json.link, 'string', 'activation issue gives a link');
  return json.link as string;
}

const tokensOf = (server: JetonServer, username: string) =>
  server.sql((db) =>
    db.prepare('SELECT t.id, t.state, t.renews_token_id FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.username = ? ORDER BY t.issued_at, t.id').all(username),
  ) as Array<{ id: string; state: string; renews_token_id: string | null }>;

async function expectLoginAccepted(browser: Browser, server: JetonServer, user: Parameters<typeof submitLogin>[2], popup: Page): Promise<void> {
  // Right after the confirmation the popup already shows a code the server takes (the next step's, §7): no waiting.
  const code = await readFreshCode(popup);
  const login = await browser.newPage();
  const outcome = await submitLogin(login, server.url, user, code);
  assert.ok(outcome.accepted, `/login accepts the renewed token's code (${outcome.summary})`);
  await login.close();
}

async function renewWithoutPin(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const user = await server.createUser('ffexpire');
  let popup = await openPopup(browser, popupUrl);
  await addToken(popup, await activationLink(server, user.username));
  const [old] = tokensOf(server, user.username);
  await popup.close();
  popup = await openPopup(browser, popupUrl);
  await until('the renew button (renewal open, learnt from §5)', async () => ((await popup.$(byTestId('renew'))) ? true : undefined));
  assert.equal(await attrOf(popup, byTestId('account'), 'data-state'), 'active');
  assert.equal(await attrOf(popup, byTestId('expiry'), 'data-days-left'), '10');
  assert.equal(await textOf(popup, byTestId('expiry-warning')), 'Ce jeton expire dans 10 jours.');
  const badge = await until('the badge', async () => {
    const text = await popup.evaluate(() => (globalThis as unknown as { browser: { action: { getBadgeText(d: object): Promise<string> } } }).browser.action.getBadgeText({}));
    return text === '' ? undefined : text;
  });
  assert.equal(badge, '10j', 'the badge shows the days left');
  step('state, days left, warning and badge « 10j » shown');

  await popup.click(byTestId('renew'));
  await until('« Jeton renouvelé. »', async () => ((await textOf(popup, byTestId('notice'))) === 'Jeton renouvelé.' ? true : undefined));
  const rows = tokensOf(server, user.username);
  assert.equal(rows.length, 2);
  assert.equal(rows.find((r) => r.id === old!.id)?.state, 'superseded', 'the old token is superseded');
  assert.deepEqual(
    rows.filter((r) => r.id !== old!.id).map((r) => [r.state, r.renews_token_id]),
    [['active', old!.id]],
    'the new token is active and renews the old one',
  );
  step('« Renouveler »: new token active, old superseded');
  await expectLoginAccepted(browser, server, user, popup);
  step('the new code is accepted by /login');
  await popup.close();
}

async function renewWithPin(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const user = await server.createUser('ffrenip');
  let popup = await openPopup(browser, popupUrl);
  await addToken(popup, await activationLink(server, user.username, 'courtnip'), PIN);
  const [old] = tokensOf(server, user.username);
  await popup.close();
  popup = await openPopup(browser, popupUrl);
  const account = `${byTestId('account')}[data-account-id]`;
  // The first user's token is in the list too: work on this user's card.
  const card = await until('the PIN token’s card', async () => {
    for (const handle of await popup.$$(account)) {
      const who = await handle.$eval(byTestId('user'), (e) => e.textContent ?? '');
      if (who === user.username && (await handle.$(byTestId('renew')))) return handle;
    }
    return undefined;
  });
  await (await card.$(byTestId('renew')))!.click();
  await until('the PIN field of the renewal', async () => (await card.$(byTestId('renew-pin'))) ?? undefined);
  await (await card.$(byTestId('renew-pin')))!.type(PIN);
  await (await card.$(byTestId('renew-submit')))!.click();
  await until('« Jeton renouvelé. »', async () => ((await textOf(popup, byTestId('notice'))) === 'Jeton renouvelé.' ? true : undefined));
  const rows = tokensOf(server, user.username);
  assert.deepEqual(rows.map((r) => [r.id === old!.id ? 'old' : 'new', r.state]).sort(), [
    ['new', 'active'],
    ['old', 'superseded'],
  ]);
  step('PIN token renewed with its PIN: new token active, old superseded');
  await popup.close();
}

async function revoked(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const user = await server.createUser('ffrevoque');
  let popup = await openPopup(browser, popupUrl);
  await addToken(popup, await activationLink(server, user.username));
  const [token] = tokensOf(server, user.username);
  await server.admin(['token', 'revoke', '--id', token!.id, '--json']);
  await popup.close();
  popup = await openPopup(browser, popupUrl);
  const said = await until('the revoked state', async () => {
    for (const handle of await popup.$$(byTestId('account'))) {
      const who = await handle.$eval(byTestId('user'), (e) => e.textContent ?? '');
      const state = await handle.evaluate((e) => e.getAttribute('data-state'));
      if (who === user.username && state === 'revoked') {
        assert.equal(await handle.$(byTestId('code')), null, 'a revoked token shows no code');
        return handle.$eval(byTestId('token-state'), (e) => e.textContent ?? '');
      }
    }
    return undefined;
  });
  assert.match(said, /^Jeton révoqué par votre centre de services/);
  step('a token revoked with `token revoke` shows as revoked, without code');
  await popup.close();
}

async function lockout(server: JetonServer, browser: Browser, popupUrl: string): Promise<void> {
  const user = await server.createUser('ffbloque');
  const popup = await openPopup(browser, popupUrl);
  // Alone in the list: the tokens of the steps before are removed first, so the selectors below are this one's.
  for (;;) {
    const remove = await popup.$(byTestId('settings'));
    if ((await popup.$$(byTestId('account'))).length === 0 || !remove) break;
    await popup.click(byTestId('settings'));
    await popup.waitForSelector(byTestId('remove'));
    await popup.click(byTestId('remove'));
    await popup.waitForSelector(byTestId('remove-confirm'));
    await popup.click(byTestId('remove-confirm'));
    await until('the token removed', async () => ((await popup.$(byTestId('remove-confirm'))) === null ? true : undefined));
    await popup.click(byTestId('back'));
    await popup.waitForSelector(byTestId('add-account'));
  }
  await addToken(popup, await activationLink(server, user.username, 'courtnip'), PIN);
  await popup.click(byTestId('lock'));
  await until('the token locked', async () => ((await attrOf(popup, byTestId('account'), 'data-locked')) === 'true' ? true : undefined));
  let last = '';
  for (let i = 0; i < 5; i++) {
    await popup.type(byTestId('pin'), `111${i}`);
    await popup.click(byTestId('unlock'));
    const expected = i < 4 ? `NIP incorrect — ${4 - i} ${4 - i === 1 ? 'essai restant' : 'essais restants'} avant un blocage de 15 minutes` : 'Connexion bloquée jusqu’à';
    last = await until(`« ${expected} »`, async () => {
      const error = await textOf(popup, byTestId('error'));
      return error?.startsWith(expected) ? error : undefined;
    });
    assert.equal(await attrOf(popup, byTestId('account'), 'data-locked'), 'true', 'still locked');
  }
  assert.match(last, /^Connexion bloquée jusqu’à \d{1,2} h \d{2} /);
  await popup.type(byTestId('pin'), PIN);
  await popup.click(byTestId('unlock'));
  await until('the lockout said again for the right PIN', async () => ((await textOf(popup, byTestId('error')))?.startsWith('Connexion bloquée jusqu’à') && (await popup.$(byTestId('busy'))) === null ? true : undefined));
  assert.equal(await attrOf(popup, byTestId('account'), 'data-locked'), 'true', 'no unlock while locked');
  assert.equal(await popup.$(byTestId('code')), null, 'no code while locked');
  step('five wrong PINs: tries left, then « Connexion bloquée jusqu’à … », and no unlock');
  await popup.close();
}

await runInFirefox('Firefox expiry journeys', async ({ browser, popupUrl, serve }) => {
  const server = await serve(startJetonServer({ config: SHORT_PROFILES }));
  await renewWithoutPin(server, browser, popupUrl);
  await renewWithPin(server, browser, popupUrl);
  await revoked(server, browser, popupUrl);
  await lockout(server, browser, popupUrl);
});
