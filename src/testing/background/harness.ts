/**
 * The background as tests see it: the real router and handlers over fake
 * storage areas, an in-memory vault key, a fake server and a pinned clock.
 * `restart()` gives a fresh background over the same storage, as when the
 * service worker is stopped and woken again. `managed.value` is what the
 * organisation's policy holds (an Error: the browser throws, as Firefox does
 * when no policy names Jeton).
 */
import { generateActivationCode } from '../../core/activation-code.ts';
import { wireMessage, type MessageName, type Reply, type RequestOf, type ResponseOf } from '../../core/messages.ts';
import { MemoryKeyStore, MemoryStorageArea, VaultStore } from '../../core/vault-store.ts';
import type { RootDeps } from '../../background/deps.ts';
import { fakeServer, type FakeServerOptions } from './fake-server.ts';
import { createHandlers } from '../../background/handlers.ts';
import { createRouter, type Sender } from '../../background/router.ts';
import { SessionStore } from '../../background/session.ts';

export const EXTENSION_ID = 'jetonextensionid';
export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}`;
export const POPUP: Sender = { id: EXTENSION_ID, url: `${EXTENSION_ORIGIN}/src/popup/index.html`, origin: EXTENSION_ORIGIN };
/** 2025-11-28T23:00:00Z, a fixed instant. */
export const T0 = 1_764_370_800_000;

/** A background over fakes, for one test. */
export function harness(options: Partial<FakeServerOptions> = {}) {
  const clock = { now: T0 };
  const code = options.code ?? generateActivationCode();
  const server = fakeServer({ userId: 'format01', code, now: () => clock.now, ...options });
  const local = new MemoryStorageArea();
  const session = new MemoryStorageArea();
  const keys = new MemoryKeyStore();
  const timer = { at: null as number | null };
  /** Notifications shown (as the browser would), and the badge's last text and colour. */
  const notes: Array<{ id: string; title: string; message: string; renewButton: string | null }> = [];
  const badge = { text: '', color: '' };
  const managed = {
    value: {} as unknown,
    reads: 0,
    async get(): Promise<Record<string, unknown>> {
      managed.reads++;
      if (managed.value instanceof Error) throw managed.value;
      // Managed storage hands over a copy of plain data; anything else is the hostile case under test.
      return structuredClone(managed.value) as Record<string, unknown>;
    },
  };
  const pending: Promise<unknown>[] = [];

  const make = () => {
    const deps: RootDeps = {
      vault: new VaultStore(local, keys),
      session: new SessionStore(session),
      managed,
      fetch: server.fetch,
      now: () => clock.now,
      lockTimer: {
        schedule: async (when) => {
          timer.at = when;
        },
        cancel: async () => {
          timer.at = null;
        },
      },
      deviceName: 'Jeton — Chrome (Linux)',
      // Real PINs use 600,000 iterations (vault-pin.test.ts); flows need not wait for them.
      pinIterations: 1000,
      later: (work) => pending.push(work),
      notifier: {
        show: async (id, note) => {
          notes.push({ id, ...note });
        },
      },
      badge: {
        set: async (text, color) => {
          badge.text = text;
          badge.color = color;
        },
      },
      uiLanguage: 'fr-CA',
    };
    return { deps, route: createRouter(createHandlers(deps), { extensionId: EXTENSION_ID, extensionOrigin: EXTENSION_ORIGIN }) };
  };

  let bg = make();
  return {
    code,
    clock,
    server,
    local,
    session,
    keys,
    timer,
    managed,
    notes,
    badge,
    get deps() {
      return bg.deps;
    },
    /** Sends a message as the popup would; returns the raw reply. */
    send<N extends MessageName>(name: N, req: RequestOf<N>, sender: Sender = POPUP): Promise<Reply<ResponseOf<N>>> {
      return bg.route(wireMessage(name, req), sender) as Promise<Reply<ResponseOf<N>>>;
    },
    /** Sends and expects success. */
    async ok<N extends MessageName>(name: N, req: RequestOf<N>): Promise<ResponseOf<N>> {
      const reply = await this.send(name, req);
      if (!reply.ok) throw new Error(`${name} failed: ${reply.error.code}`);
      return reply.value;
    },
    restart() {
      bg = make();
    },
    async settle() {
      await Promise.all(pending.splice(0));
    },
  };
}
