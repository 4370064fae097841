/**
 * The sample login page, in two steps like a real teleaccess SSO page:
 * `/login` checks the username and password (scrypt), then `/login/code` asks
 * for the access code alone and checks it through §7's `verifyCode`. It exists
 * so the extension can be tried and tested against a real page.
 *
 * Nothing is stored for a visitor: the step between the two pages, with its
 * CSRF token, is a signed, short-lived, HttpOnly cookie (web/signed-cookie.ts).
 * @see docs/protocol.md §7
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { formatDate, minutes, t, type Lang } from '../../i18n.ts';
import { hashSecret, verifySecret } from '../../secrets.ts';
import { audit } from '../../store/audit.ts';
import { lockRemaining } from '../../store/login-guard.ts';
import { findUser } from '../../store/users.ts';
import { verifyCode } from '../../verify.ts';
import { LoginCodePage, LoginPage, type LoginResult } from '../../views/login.tsx';
import { ClientError, field, isCrossSite, requestLang, withLang } from '../../web/http.ts';
import { pageArea, sendPage } from '../../web/pages.ts';
import { csrfMatches, isSecure } from '../../web/session.ts';
import { limitPage } from '../../web/rate-limit.ts';
import { signedCookies } from '../../web/signed-cookie.ts';
import { isUserId, normalizeUserId } from '../../../core/user-id.ts';

/** What the login cookie holds: the step reached, its CSRF token, and after the password, whose it was. */
type LoginStep = { step: 'password'; csrf: string } | { step: 'code'; csrf: string; username: string };

const COOKIE = 'jeton-login';
/** The password page may sit open a while; the code is typed right after the password. */
const PASSWORD_STEP_MS = 30 * 60_000;
const CODE_STEP_MS = 5 * 60_000;

const newCsrf = (): string => randomBytes(32).toString('base64url');

const lockedMessage = (lang: Lang, retryAfter: number): string => t(lang, 'login.locked', { duration: minutes(lang, Math.max(1, Math.ceil(retryAfter / 60))) });

export const loginRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const base = app.prefix || '/login';
  // Unknown users' passwords are checked against this, so both cost one scrypt.
  const decoyPasswordHash = await hashSecret(randomBytes(16).toString('hex'));
  const cookies = await signedCookies(ctx);

  pageArea(app, base, isSecure(ctx));

  /** The step of a form POST, checked twice: same site (Fetch Metadata) and the CSRF token of a live, signed cookie. */
  async function postedStep(req: FastifyRequest): Promise<LoginStep> {
    const step = isCrossSite(req) ? null : cookies.read<LoginStep>(req, COOKIE);
    const reason = isCrossSite(req) ? 'cross-site' : !step ? 'no-session' : !csrfMatches(step, field(req.body, 'csrf', 128)) ? 'csrf' : null;
    if (reason === null && step) return step;
    await audit(ctx, 'portal.rejected', { username: null, ip: req.ip, detail: { area: 'login', reason, path: req.url.split('?')[0]!.slice(0, 64) } });
    throw new ClientError(403, 'expired');
  }

  const toPassword = (reply: FastifyReply, csrf: string): void => cookies.write(reply, COOKIE, { step: 'password', csrf } satisfies LoginStep, PASSWORD_STEP_MS);

  app.get('/', async (req, reply) => {
    const lang = requestLang(req);
    const csrf = cookies.read<LoginStep>(req, COOKIE)?.csrf ?? newCsrf();
    toPassword(reply, csrf);
    return sendPage(reply, 200, LoginPage({ lang, csrf }));
  });

  app.post('/', async (req, reply) => {
    const lang = requestLang(req);
    const { csrf } = await postedStep(req);
    const username = (field(req.body, 'username', 256) ?? '').trim();
    const password = field(req.body, 'password', 256) ?? '';
    // Before any password is checked: per address, and per user (any spelling of a valid user ID counts as one).
    await limitPage(ctx, 'login', req.ip, isUserId(username) ? normalizeUserId(username) : null);
    const page = (status: number, result: LoginResult) => sendPage(reply, status, LoginPage({ lang, csrf, username: username.slice(0, 64), result }));
    if (!username || !password) return page(400, { ok: false, message: t(lang, 'login.missing') });

    const user = await findUser(ctx, username);
    const passwordOk = await verifySecret(password, user?.password_hash ?? decoyPasswordHash);
    // A user locked out by wrong codes gets the same answer whatever the password: it is not an oracle for it.
    const locked = user ? lockRemaining(user, ctx.now()) : null;
    if (user && locked !== null) {
      await audit(ctx, 'login.failed', { username: user.username, ip: req.ip, detail: { via: 'login-page', reason: 'locked' } });
      return page(423, { ok: false, message: lockedMessage(lang, locked) });
    }
    if (!user || !user.password_hash || !passwordOk) {
      await audit(ctx, 'login.failed', { username: user?.username ?? null, ip: req.ip, detail: { via: 'login-page', reason: 'password' } });
      return page(401, { ok: false, message: t(lang, 'login.badPassword') });
    }
    // A new CSRF token for the new step: the password page's token does not carry over.
    cookies.write(reply, COOKIE, { step: 'code', csrf: newCsrf(), username: user.username } satisfies LoginStep, CODE_STEP_MS);
    return reply.redirect(withLang(`${base}/code`, lang), 303);
  });

  app.get('/code', async (req, reply) => {
    const lang = requestLang(req);
    const step = cookies.read<LoginStep>(req, COOKIE);
    if (step?.step !== 'code') return reply.redirect(withLang(base, lang), 303);
    return sendPage(reply, 200, LoginCodePage({ lang, csrf: step.csrf, username: step.username }));
  });

  app.post('/code', async (req, reply) => {
    const lang = requestLang(req);
    const step = await postedStep(req);
    if (step.step !== 'code') return reply.redirect(withLang(base, lang), 303);
    await limitPage(ctx, 'login-code', req.ip, step.username);
    const otp = (field(req.body, 'otp', 32) ?? '').replace(/\s/g, '');
    const page = (status: number, result: LoginResult) => sendPage(reply, status, LoginCodePage({ lang, csrf: step.csrf, username: step.username, result }));
    if (!otp) return page(400, { ok: false, message: t(lang, 'login.missingCode') });

    const outcome = await verifyCode(ctx, step.username, otp, { ip: req.ip, via: 'login-page' });
    if (outcome.ok) {
      toPassword(reply, newCsrf());
      return page(200, { ok: true, username: step.username, expiresOn: formatDate(lang, Date.parse(outcome.expiresAt)) });
    }
    if (outcome.error === 'locked') return page(423, { ok: false, message: lockedMessage(lang, outcome.retryAfter) });
    if (outcome.error === 'no_active_token') {
      return page(403, { ok: false, message: t(lang, 'login.noToken', { portal: `${ctx.config.publicUrl}/virtuel` }) });
    }
    return page(401, { ok: false, message: t(lang, 'login.badCode') });
  });
};
