/**
 * Short-lived state held by the visitor's browser instead of a database row:
 * an HttpOnly cookie whose JSON value is signed (HMAC-SHA256 under a key
 * derived from the master key, so every instance reads what another wrote)
 * and carries its own expiry. Used where a row per anonymous visitor would let
 * anyone fill the database: the login page's steps, the portal's pre-session.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { readCookie, setCookie } from './http.ts';

export interface SignedCookies {
  /** The cookie's value if it is present, signed by this server, for this name, and not expired; else null. */
  read<T>(req: FastifyRequest, name: string): T | null;
  /** Sets the cookie to `value` for `maxAgeMs`. */
  write(reply: FastifyReply, name: string, value: unknown, maxAgeMs: number): void;
  clear(reply: FastifyReply, name: string): void;
}

/** Cookies above this are refused unread: no legitimate state comes near it. */
const MAX_COOKIE = 2048;

/** The cookie jar of a server: `secure` adds `Secure` and the `__Host-` prefix. */
export async function signedCookies(ctx: AppContext): Promise<SignedCookies> {
  const key = Buffer.from(await ctx.masterKey.mac('jeton/cookie/v1', 'signed-cookies'));
  const secure = ctx.config.publicUrl.startsWith('https:');
  const fullName = (name: string): string => (secure ? `__Host-${name}` : name);
  // The name is signed with the value, so one cookie's value cannot be replayed under another name.
  const sign = (name: string, body: string): Buffer => createHmac('sha256', key).update(`${name}\u0000${body}`).digest();

  return {
    read<T>(req: FastifyRequest, name: string): T | null {
      const raw = readCookie(req, fullName(name));
      if (!raw || raw.length > MAX_COOKIE) return null;
      const dot = raw.indexOf('.');
      if (dot <= 0) return null;
      const body = raw.slice(0, dot);
      const mac = Buffer.from(raw.slice(dot + 1), 'base64url');
      const expected = sign(name, body);
      if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
      try {
        const { v, exp } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { v: T; exp: number };
        return typeof exp === 'number' && exp > ctx.now() ? v : null;
      } catch {
        return null;
      }
    },
    write(reply, name, value, maxAgeMs) {
      const body = Buffer.from(JSON.stringify({ v: value, exp: ctx.now() + maxAgeMs })).toString('base64url');
      setCookie(reply, fullName(name), `${body}.${sign(name, body).toString('base64url')}`, { secure, maxAge: Math.ceil(maxAgeMs / 1000) });
    },
    clear(reply, name) {
      setCookie(reply, fullName(name), '', { secure, maxAge: 0 });
    },
  };
}
