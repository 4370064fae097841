/**
 * DESIGN.md journey 2 with filling: a user adds a token, opens the sample
 * /login of the real server (its profile's login origin), focuses the code
 * field, clicks Jeton's button, and is logged in. Real Chromium, the built
 * extension, the real server.
 */
import { expect, test } from './fixtures.ts';
import { clickOffer, offerLabels, offerOf, openCodeStep, waitForRegistration } from './fill.ts';
import { extractActivationLink } from './mail.ts';
import { addToken } from './popup.ts';

test('a user adds a token, opens /login, clicks Jeton’s button and is logged in', async ({ context, extensionId, openPopup, server }) => {
  const user = await server.createUser('remplir');
  await server.issueActivation(user.username);
  const link = extractActivationLink(await server.mailbox.waitFor(user.email));
  const popup = await openPopup();
  await addToken(popup, link, '2468');
  await waitForRegistration(context, extensionId, server.url);
  // Filled right away: in the step that confirmed the token, Jeton gives the next step's code, which the server takes (§7).

  const page = await context.newPage();
  const otp = await openCodeStep(page, server.url, user);
  expect(new URL(page.url()).pathname, 'the code is asked on its own page, after the password').toBe('/login/code');
  await expect(offerOf(page), 'no button before the code field has the focus').toHaveCount(0);
  await otp.focus();
  await expect(offerOf(page)).toHaveAttribute('data-jeton-offer', 'fill');
  expect(await offerLabels(page)).toEqual(['Remplir le code']);
  await expect(otp, 'the code is not in the page before the click').toHaveValue('');
  await clickOffer(page);
  await expect(otp).toHaveValue(/^\d{6}$/);
  await expect(offerOf(page), 'the button goes once the code is filled').toHaveCount(0);

  await otp.press('Enter');
  await expect(page.locator('#login-result')).toHaveAttribute('data-ok', 'true');
});
