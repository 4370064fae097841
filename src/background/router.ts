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
}

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
      if (MESSAGE_AUDIENCE[wire.name] === 'extension' && !isExtensionPage(sender, options)) {
        return { ok: false, error: { code: 'forbidden_sender', message: 'This message is only accepted from the extension itself.' } };
      }
      const handler = handlers[wire.name] as (req: RequestOf<MessageName>) => Promise<unknown>;
      return { ok: true, value: await handler(wire.req) };
    } catch (err) {
      const info = errorInfo(err);
      if (info) return { ok: false, error: info };
      if (name) options.onUnexpected?.(name, err);
      return { ok: false, error: { code: 'internal_error', message: 'Something went wrong in Jeton.' } };
    }
  };
}
