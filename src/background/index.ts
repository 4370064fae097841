/**
 * The background (Chrome/Edge service worker, Firefox event page): wires the
 * browser to the logic. Listeners are registered synchronously at the top
 * level so a stopped worker is woken for them. Nothing that matters is kept
 * in memory: the vault is in storage.local, the session in storage.session
 * (the worker keeps only a copy of what it read, see storage-cache.ts).
 */
import browser, { type Notifications, type Runtime } from 'webextension-polyfill';
import type { Fetch } from '../core/protocol/client.ts';
import { VaultStore, type StorageArea } from '../core/vault-store.ts';
import type { RootDeps } from './deps.ts';
import { deviceName } from './device-name.ts';
import { createHandlers } from './handlers.ts';
import { indexedDBKeyStore } from './key-store.ts';
import { createRouter } from './router.ts';
import { SessionStore } from './session.ts';
import { cachedArea, cachedManaged, type OnChanged } from './storage-cache.ts';
import { lockNow } from './auto-lock.ts';
import { EXPIRY_ALARM, EXPIRY_PERIOD_MINUTES, expiryRound } from './expiry.ts';
import { NOTE_PREFIX } from './warnings.ts';
import { serialSync, type PermissionsArea, type ScriptingArea } from './content-scripts.ts';
import { fillCommand, FILL_COMMAND } from './fill-command.ts';
import { readPolicy } from './policy.ts';
import { taskDeps } from './task-deps.ts';
import { popupPage } from './popup-page.ts';
import { prerender } from '../popup/prerender.tsx';

const AUTO_LOCK_ALARM = 'jeton-auto-lock';
/** How long a policy read waits for the browser before the kept copy stands in: it answers in a few ms once its policy service is up. */
const MANAGED_WAIT_MS = 100;
// Only Firefox has getBrowserInfo.
const IS_FIREFOX = typeof (browser.runtime as { getBrowserInfo?: unknown }).getBrowserInfo === 'function';

/** The keys the browser reports changed in one storage area. */
const changesIn =
  (name: string): OnChanged =>
  (listener) =>
    browser.storage.onChanged.addListener((changes, area) => {
      if (area === name) listener(Object.keys(changes));
    });

// webextension-polyfill's StorageArea matches ours except for its looser `get` argument types.
// Read through a memory copy (storage-cache.ts): the popup's answer then waits for no storage round trip.
const local = cachedArea(browser.storage.local as unknown as StorageArea, changesIn('local'));
const session = cachedArea(browser.storage.session as unknown as StorageArea, changesIn('session'));

const fetchJSON: Fetch = (url, init) => globalThis.fetch(url, { ...init, credentials: 'omit', cache: 'no-store', redirect: 'error' });

const deps: RootDeps = {
  vault: new VaultStore(local, indexedDBKeyStore()),
  session: new SessionStore(session),
  // Read at each decision (from a copy kept until the policy changes); readPolicy treats a throw (Firefox without a policy) or a missing area as "no policy".
  // While the browser is slow to answer after it starts, the last policy it gave stands in (storage-cache.ts).
  managed: cachedManaged({ get: () => browser.storage.managed.get() }, changesIn('managed'), {
    area: local,
    waitMs: MANAGED_WAIT_MS,
    onLateChange: () => void syncFill(),
  }),
  fetch: fetchJSON,
  now: () => Date.now(),
  lockTimer: {
    schedule: async (when) => browser.alarms.create(AUTO_LOCK_ALARM, { when }),
    cancel: async () => {
      await browser.alarms.clear(AUTO_LOCK_ALARM);
    },
  },
  deviceName: deviceName(globalThis.navigator?.userAgent ?? ''),
  openPopup: async () => {
    try {
      // Chrome 127+ opens it from a message; Firefox only from a user action in the extension, so it says no.
      await browser.action.openPopup();
      return true;
    } catch {
      return false;
    }
  },
  later: (work) => {
    work.catch((err: unknown) => console.warn('jeton: background task failed', err instanceof Error ? err.name : 'error'));
  },
  notifier: {
    async show(id, note) {
      await browser.notifications.create(id, {
        type: 'basic',
        iconUrl: browser.runtime.getURL('icons/icon-128.png'),
        title: note.title,
        message: note.message,
        // Firefox notifications have no buttons: there a click on the notification opens the renewal.
        ...(note.renewButton !== null && !IS_FIREFOX ? { buttons: [{ title: note.renewButton }] } : {}),
        // The polyfill's types leave out Chrome's `buttons`.
      } as Notifications.CreateNotificationOptions);
    },
  },
  badge: {
    async set(text, color) {
      await browser.action.setBadgeText({ text });
      if (text !== '') await browser.action.setBadgeBackgroundColor({ color });
    },
  },
  uiLanguage: globalThis.navigator?.language ?? 'fr',
};

const extensionOrigin = browser.runtime.getURL('').replace(/\/$/, '');
const handlers = createHandlers(deps);
const route = createRouter(handlers, {
  extensionId: browser.runtime.id,
  extensionOrigin,
  // Only the message name and error class: requests may hold PINs or codes.
  onUnexpected: (name, err) => console.error(`jeton: ${name} failed`, err instanceof Error ? err.name : 'error'),
});

// With the polyfill, returning a Promise is the reply (no `return true`).
browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => route(message, sender));

/** A service worker's fetch event (the DOM types Jeton compiles with do not have the worker's). */
interface FetchEventLike extends Event {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
// A service worker (Chrome, Edge) sees its pages' requests: it serves the popup with the codes already in the page.
if ('ServiceWorkerGlobalScope' in globalThis) {
  const manifest = browser.runtime.getManifest() as { action?: { default_popup?: string }; content_security_policy?: { extension_pages?: string } };
  const page = manifest.action?.default_popup;
  const csp = manifest.content_security_policy?.extension_pages;
  if (page && csp) {
    const answer = popupPage({ pageUrl: browser.runtime.getURL(page), csp, state: () => handlers['state.get']({}, { kind: 'extension' }), render: prerender, fetch: (url) => globalThis.fetch(url) });
    globalThis.addEventListener('fetch', (event) => {
      const fetchEvent = event as FetchEventLike;
      const response = answer(fetchEvent.request);
      if (response) fetchEvent.respondWith(response);
    });
  }
}

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === AUTO_LOCK_ALARM) void lockNow(deps);
  if (alarm.name === EXPIRY_ALARM) deps.later(expiryRound(taskDeps(deps), { force: true }));
});

// The daily expiry round: the alarm survives the worker, but not always an update or a browser crash, so it is
// created again at each start when missing (never replaced: that would push it back each time the worker wakes).
void browser.alarms.get(EXPIRY_ALARM).then((existing) => {
  if (!existing) return browser.alarms.create(EXPIRY_ALARM, { delayInMinutes: 1, periodInMinutes: EXPIRY_PERIOD_MINUTES });
});
// At browser start, the round runs at once (DESIGN: "a daily alarm (and browser start)").
browser.runtime.onStartup.addListener(() => deps.later(expiryRound(taskDeps(deps), { force: true })));

/** A click on an expiry notification (or its « Renouveler » button) opens the popup on that token's renewal. */
function openRenewal(notificationId: string): void {
  if (!notificationId.startsWith(NOTE_PREFIX)) return;
  const id = notificationId.slice(NOTE_PREFIX.length);
  void browser.notifications.clear(notificationId);
  void browser.tabs.create({ url: browser.runtime.getURL(`src/popup/index.html?renew=${encodeURIComponent(id)}`) });
}
browser.notifications.onClicked.addListener(openRenewal);
browser.notifications.onButtonClicked?.addListener((notificationId) => openRenewal(notificationId));

// Screen locked: lock PIN tokens at once (Firefox does not report "locked" on every system).
browser.idle.onStateChanged.addListener((state) => {
  if (state === 'locked') void lockNow(deps);
});

// The content script goes only where a token may fill codes: re-registered at every start and change.
const syncFill = serialSync(
  {
    readTokens: () => deps.vault.read().then((v) => v.tokens),
    readPolicy: () => readPolicy(deps.managed),
    now: deps.now,
    scripting: browser.scripting as unknown as ScriptingArea,
    permissions: browser.permissions as unknown as PermissionsArea,
    // Firefox match patterns cannot hold a port (runtime.getBrowserInfo exists only there).
    portsInPatterns: typeof (browser.runtime as { getBrowserInfo?: unknown }).getBrowserInfo !== 'function',
  },
  (err) => console.warn('jeton: content script registration failed', err instanceof Error ? err.message : 'error'),
);
void syncFill();
browser.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed' || (area === 'local' && Object.hasOwn(changes, 'vault'))) void syncFill();
});
browser.permissions.onAdded.addListener(() => void syncFill());
browser.permissions.onRemoved.addListener(() => void syncFill());

// Alt+Shift+J: the content script of the focused frame fills its focused code field (it asks for the code itself, like a click).
browser.commands.onCommand.addListener((command, tab) => {
  if (command === FILL_COMMAND) void fillCommand(browser.tabs, tab?.id);
});
