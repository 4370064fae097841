/**
 * The popup page as Chromium's service worker serves it: the codes are in
 * the page before the popup's script runs, the script then takes the page
 * over (buttons work, codes change with their step), and the extension's
 * content security policy holds on the page the worker made.
 */
import { extensionWorker } from './chromium.ts';
import { expect, launchWithExtension, popupPath, test } from './fixtures.ts';

/** What the extension's service worker reaches of the browser's storage. */
interface ChromeStorage {
  chrome: { storage: { local: { get(key: string): Promise<Record<string, unknown>> }; managed: { get(): Promise<unknown> } } };
  policyAnswered?: boolean;
}

/** Stamps, before any page script, when a code first stands in the page (ms since navigation start). */
const PROBE = `(() => {
  const observer = new MutationObserver(() => {
    const code = document.querySelector('[data-testid="code"]');
    if (code && /\\d{3} \\d{3}/.test(code.textContent || '')) {
      observer.disconnect();
      window.__codeAt = performance.now();
    }
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();`;

test('the popup opens with its codes already in the page, then works as usual', async ({ context, openPopup }) => {
  const setup = await openPopup();
  await setup.getByTestId('settings').click();
  await setup.getByTestId('demo').check();
  await setup.getByTestId('back').click();
  await expect(setup.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/);
  await setup.close();

  await context.addInitScript({ content: PROBE });
  const popup = await openPopup();
  await expect(popup.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/);
  await popup.waitForFunction(() => performance.getEntriesByName('jeton:script').length > 0);
  const { codeAt, scriptAt, stateLeft } = await popup.evaluate(() => ({
    codeAt: (window as unknown as { __codeAt?: number }).__codeAt ?? Number.NaN,
    scriptAt: performance.getEntriesByName('jeton:script')[0]!.startTime,
    stateLeft: document.getElementById('jeton-first-state') !== null,
  }));
  expect(codeAt, 'the code was in the page before the popup’s script ran').toBeLessThan(scriptAt);
  expect(stateLeft, 'the script took the state it was served with out of the page').toBe(false);

  // Taken over: the page answers clicks.
  await popup.getByTestId('settings').click();
  await expect(popup.getByTestId('demo')).toBeChecked();
  await popup.getByTestId('back').click();
  await expect(popup.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/);

  // The worker's page keeps the extension's policy: a script written into it does not run.
  const inline = await popup.evaluate(
    () =>
      new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(`blocked by ${e.effectiveDirective}`), { once: true });
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true;';
        document.body.append(script);
        // A script that ran did so synchronously when appended.
        if ((window as unknown as { __inlineRan?: boolean }).__inlineRan) resolve('ran');
      }),
  );
  expect(inline).toMatch(/^blocked by script-src/);
});

test('after the browser restarts, the popup shows its codes before the browser has its policy ready', async ({ userDataDir }) => {
  const first = await launchWithExtension(userDataDir);
  try {
    const popup = await first.context.newPage();
    await popup.goto(`chrome-extension://${first.extensionId}/${popupPath()}`);
    await popup.getByTestId('settings').click();
    await popup.getByTestId('demo').check();
    await popup.getByTestId('back').click();
    await expect(popup.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/);
    // The browser's answer (no policy here) is kept for the next start.
    const kept = () => extensionWorker(first.context, first.extensionId)!.evaluate(async () => (await (globalThis as unknown as ChromeStorage).chrome.storage.local.get('managedPolicy')).managedPolicy ?? null);
    await expect.poll(kept).toEqual({});
  } finally {
    await first.context.close();
  }

  // Chromium answers its first policy read seconds after it starts (its policy service): the kept copy stands in.
  const second = await launchWithExtension(userDataDir);
  try {
    const worker = extensionWorker(second.context, second.extensionId)!;
    await worker.evaluate(() => {
      const scope = globalThis as unknown as ChromeStorage;
      scope.policyAnswered = false;
      void scope.chrome.storage.managed.get().then(() => (scope.policyAnswered = true));
    });
    const popup = await second.context.newPage();
    await popup.goto(`chrome-extension://${second.extensionId}/${popupPath()}`);
    await expect(popup.getByTestId('code')).toHaveText(/^\d{3} \d{3}$/);
    expect(await worker.evaluate(() => (globalThis as unknown as ChromeStorage).policyAnswered), 'the code came before the browser answered its policy').toBe(false);
  } finally {
    await second.context.close();
  }
});
