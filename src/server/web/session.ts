/**
 * Server-side sessions for the portal and the login page: the cookie holds 32
 * random bytes, the `portal_sessions` table keeps their SHA-256, the visitor's
 * state and a CSRF token. All state is in the database, so any instance can
 * serve any request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { audit } from '../store/audit.ts';
import { ClientError, field, isCrossSite, readCookie, setCookie } from './http.ts';

/** Where a visitor stands in the portal. */
export type PortalState =
  | { step: 'identify' }
  | { step: 'verify'; username: string; known: boolean; questionId: number | null }
  | { step: 'menu'; username: string; userId: number; activationId?: number; notice?: string };

export interface Session {
  /** SHA-256 of the cookie value, base64url: the row's key. */
  id: string;
  csrf: string;
  state: PortalState;
  createdAt: number;
}

/** Idle limit: the identity check and the activation take minutes, not hours. */
const SESSION_IDLE_MS = 20 * 60_000;
/** Absolute limit, whatever the activity. */
const SESSION_MAX_MS = 2 * 3_600_000;

const b64u = (bytes: Buffer): string => bytes.toString('base64url');
const hashId = (cookie: string): string => b64u(createHash('sha256').update(cookie).digest());

export const isSecure = (ctx: AppContext): boolean => ctx.config.publicUrl.startsWith('https:');
/** `__Host-` binds the cookie to this exact origin when served over TLS. */
const cookieName = (ctx: AppContext): string => (isSecure(ctx) ? '__Host-jeton' : 'jeton');

function parseState(data: string): PortalState | null {
  try {
    const s = JSON.parse(data) as PortalState;
    return typeof s === 'object' && s !== null && typeof s.step === 'string' ? s : null;
  } catch {
    return null;
  }
}

/** The visitor's live session, or null (no cookie, unknown, expired). */
export async function loadSession(ctx: AppContext, req: FastifyRequest): Promise<Session | null> {
  const cookie = readCookie(req, cookieName(ctx));
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
  const id = hashId(cookie);
  const now = ctx.now();
  const row = await ctx.db.selectFrom('portal_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.expires_at <= now || row.created_at + SESSION_MAX_MS <= now) return null;
  const state = parseState(row.data);
  return state ? { id, csrf: row.csrf, state, createdAt: row.created_at } : null;
}

/** Starts a new session (new cookie, new CSRF token). */
export async function startSession(ctx: AppContext, reply: FastifyReply, state: PortalState): Promise<Session> {
  const cookie = b64u(randomBytes(32));
  const id = hashId(cookie);
  const csrf = b64u(randomBytes(32));
  const now = ctx.now();
  await ctx.db
    .insertInto('portal_sessions')
    .values({ id, data: JSON.stringify(state), csrf, created_at: now, expires_at: now + SESSION_IDLE_MS })
    .execute();
  setCookie(reply, cookieName(ctx), cookie, { secure: isSecure(ctx), maxAge: SESSION_MAX_MS / 1000 });
  return { id, csrf, state, createdAt: now };
}

/** Saves the state and extends the idle limit. */
export async function saveSession(ctx: AppContext, session: Session, state: PortalState): Promise<Session> {
  await ctx.db
    .updateTable('portal_sessions')
    .set({ data: JSON.stringify(state), expires_at: ctx.now() + SESSION_IDLE_MS })
    .where('id', '=', session.id)
    .execute();
  return { ...session, state };
}

/** Replaces the session by a new one (new id and CSRF token) when the visitor gains rights: no fixation. */
export async function rotateSession(ctx: AppContext, reply: FastifyReply, session: Session, state: PortalState): Promise<Session> {
  await ctx.db.deleteFrom('portal_sessions').where('id', '=', session.id).execute();
  return startSession(ctx, reply, state);
}

export async function endSession(ctx: AppContext, reply: FastifyReply, session: Session | null): Promise<void> {
  if (session) await ctx.db.deleteFrom('portal_sessions').where('id', '=', session.id).execute();
  setCookie(reply, cookieName(ctx), '', { secure: isSecure(ctx), maxAge: 0 });
}

/** The submitted CSRF token against the session's, in constant time. */
export function csrfMatches(session: Pick<Session, 'csrf'>, submitted: string | undefined): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(session.csrf);
  // Compare equal-length buffers so the time does not depend on where they differ.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The session of a form POST, checked twice: the browser says it comes from
 * this site (Fetch Metadata), and the form's CSRF token is the session's.
 * A refusal is audited and answered 403.
 */
export async function requirePostSession(ctx: AppContext, req: FastifyRequest, area: 'portal' | 'login'): Promise<Session> {
  const crossSite = isCrossSite(req);
  const session = crossSite ? null : await loadSession(ctx, req);
  const reason = crossSite ? 'cross-site' : !session ? 'no-session' : !csrfMatches(session, field(req.body, 'csrf', 128)) ? 'csrf' : null;
  if (reason === null && session) return session;
  const username = session && 'username' in session.state ? session.state.username : null;
  await audit(ctx, 'portal.rejected', { username, ip: req.ip, detail: { area, reason, path: req.url.split('?')[0]!.slice(0, 64) } });
  throw new ClientError(403, 'expired');
}
