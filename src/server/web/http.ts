/**
 * What the portal and the login page share at the HTTP level: form bodies,
 * cookies, security headers, cross-site checks, the language of a request.
 * Kept in plain Fastify hooks (no decorators) so these areas can sit beside
 * the protocol routes without colliding with their plugins.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pickLang, type Lang } from '../i18n.ts';

/** A 4xx the visitor caused; the route areas' error handlers render it. */
export class ClientError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: 'bad' | 'expired' | 'notFound',
  ) {
    super(reason);
    this.name = 'ClientError';
  }
}

type FormBody = Record<string, string | string[]>;

/** Parses `application/x-www-form-urlencoded` bodies in this plugin's scope. */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: FormBody = Object.create(null) as FormBody;
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, out);
  });
}

// NUL and the other C0 controls but tab, CR and LF, and DEL: no form field holds them, and PostgreSQL refuses NUL.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const FORM_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * One text field of a form: undefined when absent; a 400 when repeated,
 * longer than `max` or holding a control character (no legitimate form sends
 * any of these).
 */
export function field(body: unknown, name: string, max: number): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > max || FORM_CONTROL.test(value)) throw new ClientError(400, 'bad');
  return value;
}

/** Cookies of a request, without a plugin: `name=value; …`. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

export function setCookie(reply: FastifyReply, name: string, value: string, { secure, maxAge }: CookieOptions): void {
  const cookie = `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  // Fastify appends to set-cookie rather than replacing it: several cookies in one answer each come once.
  reply.header('set-cookie', cookie);
}

/**
 * No inline script or style anywhere: the pages load /virtuel/assets/*; images
 * are the personal image (data:) or inline SVG.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Adds the security headers to every answer of this plugin's routes (errors and 404s too). */
export function securityHeaders(app: FastifyInstance, secure: boolean): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (secure) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });
}

/**
 * A second CSRF check beside the token: browsers say where a request comes
 * from (Fetch Metadata); a form posted from another site is refused outright.
 */
export function isCrossSite(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

export function requestLang(req: FastifyRequest): Lang {
  const query = req.query as Record<string, unknown> | undefined;
  return pickLang(query?.lang, req.headers['accept-language']);
}

/** A path with the page's language kept, so forms and redirects stay in it. */
export const withLang = (path: string, lang: Lang): string => `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
