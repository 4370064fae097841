/** Builds the Fastify app: registers plugins and route areas, nothing else. */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppContext } from './context.ts';
import { aotpRoutes } from './routes/aotp/index.ts';
import { sendError, toProtocolError } from './routes/aotp/http.ts';
import { loginRoutes } from './routes/login/index.ts';
import { portalRoutes } from './routes/portal/index.ts';
import { ProtocolError } from '../core/protocol/errors.ts';

/**
 * Logger options with secrets kept out: no Authorization header, cookie or
 * body is ever written (Fastify's request serializer logs none of them by
 * default; the redaction guards a future `req.log.info({req})` as well).
 */
export function loggerOptions(level = 'info'): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'body', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  };
}

/** Headers every answer carries; an area may overwrite them with stricter ones (the protocol sets a CSP). */
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export async function buildApp(ctx: AppContext, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  // X-Forwarded-For is believed only from the configured proxies; the client is the
  // right-most address not among them (proxy-addr, which Fastify uses, walks from the socket).
  const proxies = ctx.config.trustedProxies ?? ['loopback'];
  const app = Fastify({ bodyLimit: 16 * 1024, trustProxy: proxies.length > 0 ? proxies : false, ...options });
  const https = ctx.config.publicUrl.startsWith('https:');
  const headers = https ? { ...SECURITY_HEADERS, 'strict-transport-security': 'max-age=31536000' } : SECURITY_HEADERS;
  // Defaults set on arrival (a callback hook: no promise per request); an area may overwrite them.
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(headers);
    done();
  });
  // The fallback for anything an area does not handle itself: 4xx keep a safe
  // message, 5xx details never leave the server.
  app.setErrorHandler((err, req, reply) => {
    const mapped = toProtocolError(err);
    if (mapped) return sendError(reply, mapped);
    req.log.error({ err }, 'request failed');
    return sendError(reply, new ProtocolError('internal_error', 'The server could not answer; try again later.'));
  });
  await app.register(aotpRoutes, { prefix: '/aotp/v1', ctx });
  await app.register(portalRoutes, { prefix: '/virtuel', ctx });
  await app.register(loginRoutes, { prefix: '/login', ctx });
  // The server's front door is the portal: someone who types only the host lands there.
  app.get('/', (_req, reply) => reply.redirect('/virtuel', 302));
  return app;
}
