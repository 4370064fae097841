/**
 * The sample login page, `/login`: checks the password (scrypt), then the
 * token code through §7's `verifyCode`, as a real teleaccess site would. It
 * exists so the extension's autofill can be tried and tested for real.
 * @see PROTOCOL.md §7
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';
import { formatDate, t } from '../../i18n.ts';
import { hashSecret, verifySecret } from '../../secrets.ts';
import { audit } from '../../store/audit.ts';
import { findUser } from '../../store/users.ts';
import { verifyCode } from '../../verify.ts';
import { ErrorPage } from '../../views/portal.tsx';
import { LoginPage, type LoginResult } from '../../views/login.tsx';
import { acceptForms, field, requestLang, securityHeaders, withLang } from '../../web/http.ts';
import { isSecure, loadSession, requirePostSession, startSession } from '../../web/session.ts';
import { pageErrorHandler, sendPage } from '../portal/index.ts';

export const loginRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const base = app.prefix || '/login';
  // Unknown users' passwords are checked against this, so both cost one scrypt.
  const decoyPasswordHash = await hashSecret(randomBytes(16).toString('hex'));

  acceptForms(app);
  securityHeaders(app, isSecure(ctx));
  app.setErrorHandler(pageErrorHandler(base));
  app.setNotFoundHandler((req, reply) => {
    const lang = requestLang(req);
    return sendPage(reply, 404, ErrorPage({ lang, reason: 'notFound', restartHref: withLang(base, lang) }));
  });

  app.get('/', async (req, reply) => {
    const lang = requestLang(req);
    const session = (await loadSession(ctx, req)) ?? (await startSession(ctx, reply, { step: 'identify' }));
    return sendPage(reply, 200, LoginPage({ lang, csrf: session.csrf }));
  });

  app.post('/', async (req, reply) => {
    const lang = requestLang(req);
    const session = await requirePostSession(ctx, req, 'login');
    const username = (field(req.body, 'username', 256) ?? '').trim();
    const password = field(req.body, 'password', 256) ?? '';
    const otp = (field(req.body, 'otp', 32) ?? '').replace(/\s/g, '');
    const page = (status: number, result: LoginResult) => sendPage(reply, status, LoginPage({ lang, csrf: session.csrf, username: username.slice(0, 64), result }));
    if (!username || !password || !otp) return page(400, { ok: false, message: t(lang, 'login.missing') });

    const user = await findUser(ctx, username);
    const passwordOk = await verifySecret(password, user?.password_hash ?? decoyPasswordHash);
    if (!user || !user.password_hash || !passwordOk) {
      await audit(ctx, 'login.failed', { username: user?.username ?? null, ip: req.ip, detail: { via: 'login-page', reason: 'password' } });
      return page(401, { ok: false, message: t(lang, 'login.badPassword') });
    }
    const outcome = await verifyCode(ctx, user.username, otp, { ip: req.ip, via: 'login-page' });
    if (outcome.ok) return page(200, { ok: true, username: user.username, expiresOn: formatDate(lang, Date.parse(outcome.expiresAt)) });
    if (outcome.error === 'locked') {
      return page(423, { ok: false, message: t(lang, 'login.locked', { minutes: Math.max(1, Math.ceil(outcome.retryAfter / 60)) }) });
    }
    if (outcome.error === 'no_active_token') {
      return page(403, { ok: false, message: t(lang, 'login.noToken', { portal: `${ctx.config.publicUrl}/virtuel` }) });
    }
    return page(401, { ok: false, message: t(lang, 'login.badCode') });
  });
};
