/**
 * The background's single entry point for messages: validates the message,
 * checks who sent it, runs its handler, and answers `{ok, value}` or
 * `{ok: false, error: {code, message}}`. Errors are caught here once.
 */
import { JetonError } from '../core/errors.ts';
import { MESSAGE_AUDIENCE, parseWireMessage, type ErrorInfo, type MessageName, type Reply, type RequestOf } from '../core/messages.ts';
import { PinCheckError } from '../core/pin-check.ts';
import { ProtocolError } from '../core/protocol/errors.ts';
import type { Handlers } from './handlers.ts';

/** The facts about a sender the router relies on (a subset of runtime.MessageSender). */
export interface Sender {
  id?: string;
  url?: string;
  origin?: string;
  /** Set by the browser for content scripts: the tab, whose `url` is the top-level page's (given where the extension has host access to it). */
  tab?: { id?: number; url?: string };
  /** 0 for the top-level frame. */
  frameId?: number;
}

/** One of this extension's own pages (popup, options). */
interface ExtensionCaller {
  kind: 'extension';
}

/** A content script, as the browser reports it: its tab and frame, its frame's origin and its top-level page's origin. */
export interface ContentCaller {
  kind: 'content';
  tabId: number;
  frameId: number;
  origin: string;
  topOrigin: string;
}

/** Who sent a message. Handlers get it from the router, never from the message itself. */
export type Caller = ExtensionCaller | ContentCaller;

export interface RouterOptions {
  /** This extension's id (runtime.id). */
  extensionId: string;
  /** This extension's origin, e.g. `chrome-extension://abc` (runtime.getURL('') without the slash). */
  extensionOrigin: string;
  /** Told about unexpected errors (never with request contents). */
  onUnexpected?: (name: MessageName, err: unknown) => void;
}

/** True when the sender is one of this extension's own pages (popup, options), not a content script or another extension. */
export function isExtensionPage(sender: Sender, options: Pick<RouterOptions, 'extensionId' | 'extensionOrigin'>): boolean {
  if (sender.id !== options.extensionId || typeof sender.url !== 'string') return false;
  let origin: string;
  try {
    // Not URL.origin: the URL standard gives "null" for non-special schemes such as moz-extension:.
    const url = new URL(sender.url);
    origin = `${url.protocol}//${url.host}`;
  } catch {
    return false;
  }
  // Chrome gives `origin`; Firefox does not for extension pages. When given, it must agree.
  if (sender.origin !== undefined && sender.origin !== options.extensionOrigin) return false;
  return origin === options.extensionOrigin;
}

/** The origin of an http(s) URL, or null (about:blank, data:, sandboxed "null", garbage). */
function webOrigin(url: string | undefined): string | null {
  if (typeof url !== 'string') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/**
 * The content-script caller for `sender`, or null when the browser did not
 * report enough to know where it runs. The frame's origin comes from the
 * frame's URL, and must agree with `sender.origin` when the browser gives it
 * (Chrome does; a sandboxed frame's is "null"). The top page's origin comes
 * from the tab's URL, which the browser only shows where Jeton has host access.
 * Nothing the content script says about itself is used.
 */
export function contentCaller(sender: Sender, options: Pick<RouterOptions, 'extensionId'>): ContentCaller | null {
  if (sender.id !== options.extensionId) return null;
  const tabId = sender.tab?.id;
  const frameId = sender.frameId;
  if (typeof tabId !== 'number' || tabId < 0 || typeof frameId !== 'number' || frameId < 0) return null;
  const origin = webOrigin(sender.url);
  if (origin === null || (sender.origin !== undefined && sender.origin !== origin)) return null;
  const topOrigin = webOrigin(sender.tab?.url);
  // The top frame is its own top page; when the tab's URL is shown, it must agree.
  if (frameId === 0) return sender.tab?.url === undefined || topOrigin === origin ? { kind: 'content', tabId, frameId, origin, topOrigin: origin } : null;
  return topOrigin === null ? null : { kind: 'content', tabId, frameId, origin, topOrigin };
}

const errorInfo = (err: unknown): ErrorInfo | null => {
  if (!(err instanceof JetonError)) return null;
  // A server's own failure is not the extension's: keep the two apart for the sentence shown.
  const code = err instanceof ProtocolError && err.code === 'internal_error' ? 'server_error' : err.code;
  const info: ErrorInfo = { code, message: err.message };
  if (err instanceof ProtocolError && typeof err.details.retryAfter === 'number' && Number.isFinite(err.details.retryAfter)) {
    info.details = { retryAfter: err.details.retryAfter };
  }
  if (err instanceof PinCheckError && Object.keys(err.facts).length > 0) info.details = { ...err.facts };
  return info;
};

/** A message listener over `handlers`: `(message, sender) => Promise<Reply>`. */
export function createRouter(handlers: Handlers, options: RouterOptions): (message: unknown, sender: Sender) => Promise<Reply<unknown>> {
  return async (message, sender) => {
    let name: MessageName | undefined;
    try {
      const wire = parseWireMessage(message);
      name = wire.name;
      let caller: Caller | null;
      if (MESSAGE_AUDIENCE[wire.name] === 'extension') {
        caller = isExtensionPage(sender, options) ? { kind: 'extension' } : null;
        if (!caller) return { ok: false, error: { code: 'forbidden_sender', message: 'This message is only accepted from the extension itself.' } };
      } else {
        // Content messages come from web pages only: an extension page has no login origin.
        caller = isExtensionPage(sender, options) ? null : contentCaller(sender, options);
        if (!caller) return { ok: false, error: { code: 'forbidden_sender', message: 'This message is only accepted from Jeton on a login page.' } };
      }
      const handler = handlers[wire.name] as (req: RequestOf<MessageName>, caller: Caller) => Promise<unknown>;
      return { ok: true, value: await handler(wire.req, caller) };
    } catch (err) {
      const info = errorInfo(err);
      if (info) return { ok: false, error: info };
      if (name) options.onUnexpected?.(name, err);
      return { ok: false, error: { code: 'internal_error', message: 'Something went wrong in Jeton.' } };
    }
  };
}
