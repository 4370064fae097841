/** The popup's one way to talk to the background: typed by the message map. */
import { extensionAPI } from './browser.ts';
import { wireMessage, type ErrorInfo, type MessageName, type Reply, type RequestOf, type ResponseOf } from '../core/messages.ts';

/** An error answered by the background, with its code for the sentence to show. */
export class BackgroundError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

/** Sends a request and returns the response value; throws BackgroundError on `{ok: false}`. */
export async function send<N extends MessageName>(name: N, req: RequestOf<N>): Promise<ResponseOf<N>> {
  let reply: Reply<ResponseOf<N>> | undefined;
  try {
    reply = (await extensionAPI().runtime.sendMessage(wireMessage(name, req))) as Reply<ResponseOf<N>> | undefined;
  } catch {
    throw new BackgroundError({ code: 'background_unreachable', message: 'The extension did not answer.' });
  }
  if (!reply) throw new BackgroundError({ code: 'background_unreachable', message: 'The extension did not answer.' });
  if (!reply.ok) throw new BackgroundError(reply.error);
  return reply.value;
}
