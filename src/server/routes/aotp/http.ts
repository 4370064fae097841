/**
 * The HTTP side of the protocol's endpoints: JSON-only bodies of at most
 * 16 KiB, errors in the protocol's shape, CORS for the client endpoints.
 * @see docs/protocol.md §1
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { MAX_BODY_BYTES } from '../../../core/protocol/messages.ts';
import { ProtocolError, type ServerErrorCode } from '../../../core/protocol/errors.ts';

const MESSAGES: Partial<Record<ServerErrorCode, string>> = {
  payload_too_large: 'The request body is larger than 16 KiB.',
  unsupported_media_type: 'The request body must be application/json.',
  invalid_request: 'The request is not valid JSON.',
  not_found: 'No such endpoint.',
  internal_error: 'The server could not answer; try again later.',
};

const PROTOCOL_HEADERS = { 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" };

/** Sends a protocol error: `{"error","message", …details}` with its status. */
export function sendError(reply: FastifyReply, err: ProtocolError): FastifyReply {
  const body = { error: err.code, message: err.message, ...err.details };
  if (typeof err.details.retryAfter === 'number') void reply.header('retry-after', String(err.details.retryAfter));
  return reply.code(err.status).send(body);
}

/** Maps what Fastify itself rejects (body, content type, JSON) to the protocol's codes. */
export function toProtocolError(err: unknown): ProtocolError | null {
  if (err instanceof ProtocolError) return err;
  if (typeof err !== 'object' || err === null) return null;
  const fe = err as Partial<FastifyError>;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 500) return null;
  if (status === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ProtocolError('payload_too_large', MESSAGES.payload_too_large!);
  if (status === 415 || fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ProtocolError('unsupported_media_type', MESSAGES.unsupported_media_type!);
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new ProtocolError('invalid_request', 'The request body is empty.');
  // Fastify's own messages may quote the input; the protocol answers with a fixed text.
  return new ProtocolError('invalid_request', MESSAGES.invalid_request!);
}

/**
 * Sets up an encapsulated plugin for protocol endpoints: a strict JSON
 * parser only (no text/plain or form bodies), the error handler, the 404.
 */
export function protocolHttp(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  // Fastify's JSON parser with __proto__ and constructor.prototype refused outright.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, app.getDefaultJsonParser('error', 'error'));

  // Set on arrival (callback hook: no promise per request), kept on every answer, errors included.
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(PROTOCOL_HEADERS);
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const mapped = toProtocolError(err);
    if (mapped) return sendError(reply, mapped);
    // Logged once here, answered with a fixed text: no stack or detail leaves the server.
    req.log.error({ err }, 'protocol endpoint failed');
    return sendError(reply, new ProtocolError('internal_error', MESSAGES.internal_error!));
  });

  app.setNotFoundHandler((_req, reply) => sendError(reply, new ProtocolError('not_found', MESSAGES.not_found!)));
}

/**
 * CORS for the client endpoints (provision, confirm, status, renew): they carry
 * no cookie and authenticate by proofs and MACs, so any origin may call them.
 * See docs/protocol.md.
 */
export function allowAnyOrigin(app: FastifyInstance, paths: string[]): void {
  for (const path of paths) {
    app.options(path, async (_req, reply) =>
      reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600')
        .send(),
    );
  }
  app.addHook('onRequest', (req, reply, done) => {
    const path = req.routeOptions.url;
    if (path !== undefined && paths.some((p) => path.endsWith(p))) void reply.header('access-control-allow-origin', '*');
    done();
  });
}
