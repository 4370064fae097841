/**
 * What every area of server-rendered pages (the portal, the sample login
 * page) sets up the same way: form bodies, security headers, the error and
 * not-found pages, and sending a page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { ErrorPage, RateLimitedPage } from '../views/errors.tsx';
import { renderPage } from '../views/layout.tsx';
import { acceptForms, ClientError, requestLang, securityHeaders, withLang } from './http.ts';
import { RateLimitedError, setRetryAfter } from './rate-limit.ts';

/** Sends a rendered page with its status. */
export const sendPage = (reply: FastifyReply, status: number, page: VNode): FastifyReply =>
  reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));

/** Error pages for an area: 4xx say what to do, 5xx say nothing about why; `restart` is the area's first page. */
function pageErrorHandler(restart: string) {
  return (err: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const lang = requestLang(req);
    if (err instanceof RateLimitedError) return sendPage(setRetryAfter(reply, err.seconds), 429, RateLimitedPage({ lang, seconds: err.seconds, restartHref: restart }));
    const status = err instanceof ClientError ? err.statusCode : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const reason = err instanceof ClientError ? err.reason : status === 404 ? 'notFound' : status < 500 ? 'bad' : 'server';
    if (status >= 500) req.log.error({ err }, 'page failed');
    return sendPage(reply, status, ErrorPage({ lang, reason, restartHref: withLang(restart, lang) }));
  };
}

/** Sets up an area of pages under `base`: forms, security headers, its error and 404 pages. */
export function pageArea(app: FastifyInstance, base: string, secure: boolean): void {
  acceptForms(app);
  securityHeaders(app, secure);
  app.setErrorHandler(pageErrorHandler(base));
  app.setNotFoundHandler((req, reply) => {
    const lang = requestLang(req);
    return sendPage(reply, 404, ErrorPage({ lang, reason: 'notFound', restartHref: withLang(base, lang) }));
  });
}
