/**
 * The content script's only link to the rest of Jeton: the browser's own
 * runtime messaging (no polyfill: the entry must stay tiny). The background
 * decides everything from what the browser reports about this frame.
 */
import type { MessageName, Reply, RequestOf, ResponseOf } from '../core/messages.ts';

interface Runtime {
  id: string;
  sendMessage(message: unknown): Promise<unknown>;
  onMessage: { addListener(listener: (message: unknown, sender: { id?: string; tab?: unknown }) => void): void };
}

interface ExtensionGlobal {
  runtime: Runtime;
  dom?: { openOrClosedShadowRoot?(element: Element): ShadowRoot | null };
}

// Firefox has `browser` (promises); Chrome's `chrome` returns promises in MV3 too.
const g = globalThis as unknown as { browser?: ExtensionGlobal; chrome?: ExtensionGlobal };
export const ext = (g.browser ?? g.chrome)!;

/** Sends one of the content messages; an error reply or a failure is null. */
export async function send<N extends MessageName>(name: N, req: RequestOf<N>): Promise<ResponseOf<N> | null> {
  try {
    const reply = (await ext.runtime.sendMessage({ jeton: 1, name, req })) as Reply<ResponseOf<N>> | undefined;
    return reply?.ok ? reply.value : null;
  } catch {
    // The extension was reloaded or the worker is restarting: nothing to offer now.
    return null;
  }
}

/** The shadow root of an element, closed ones included where the browser lets extensions in. */
export const shadowOf = (el: Element): ShadowRoot | null => {
  // Chrome: chrome.dom.openOrClosedShadowRoot; Firefox: element.openOrClosedShadowRoot (content scripts only).
  const firefox = (el as Element & { openOrClosedShadowRoot?: () => ShadowRoot | null }).openOrClosedShadowRoot;
  if (typeof firefox === 'function') return firefox.call(el);
  return ext.dom?.openOrClosedShadowRoot?.(el) ?? el.shadowRoot;
};
