/**
 * The self-service portal, `/virtuel`: identify → verify identity → menu (add
 * a device, expiry dates, revoke) → activation → finalize. Server-rendered,
 * one session row per visitor, a CSRF token on every form, no inline script.
 * @see DESIGN.md "The server"
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isUserId, normalizeUserId } from '../../../core/user-id.ts';
import type { AppContext } from '../../context.ts';
import { t, type Lang } from '../../i18n.ts';
import { issueAndMailActivation } from '../../mail/activation.ts';
import { hashAnswer, verifyAnswer } from '../../secrets.ts';
import { activationProgress } from '../../store/activations.ts';
import { audit } from '../../store/audit.ts';
import { writes } from '../../store/write-queue.ts';
import { CATALOGUE_IMAGE_TYPE, findUser, listTokens, revokeUserToken, securityQuestions } from '../../store/users.ts';
import { PORTAL_CSS, PORTAL_JS } from '../../views/assets.ts';
import {
  ActivationPage,
  FinalizePage,
  IdentifyPage,
  LockedPage,
  LogoutPage,
  MenuPage,
  NotMePage,
  TokensPage,
  VerifyPage,
  type PersonalImage,
} from '../../views/portal.tsx';
import { catalogueImage, derive } from '../../web/decoy.ts';
import { limitPage } from '../../web/rate-limit.ts';
import { signedCookies } from '../../web/signed-cookie.ts';
import { ClientError, field, isCrossSite, requestLang, withLang } from '../../web/http.ts';
import { pageArea, sendPage } from '../../web/pages.ts';
import { csrfMatches, endSession, isSecure, loadSession, requirePostSession, rotateSession, saveSession, startSession, type PortalState, type Session } from '../../web/session.ts';
import { IDENTITY_MAX_FAILURES, identityLockedFor, passIdentityCheck, recordIdentityFailure } from './identity-lock.ts';

type MenuState = Extract<PortalState, { step: 'menu' }>;
type VerifyState = Extract<PortalState, { step: 'verify' }>;

export const portalRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const base = app.prefix || '/virtuel';
  const to = (path: string, lang: Lang): string => withLang(`${base}${path}`, lang);
  // An unknown username's answer is checked against this, so it costs one scrypt like a real one.
  const decoyAnswerHash = await hashAnswer(randomBytes(16).toString('hex'));

  pageArea(app, base, isSecure(ctx));

  app.get('/assets/portal.css', async (_req, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(PORTAL_CSS));
  app.get('/assets/portal.js', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/javascript; charset=utf-8').send(PORTAL_JS),
  );

  // Every form POST counts against the address, and against the user when the form names one.
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'POST') return;
    const raw = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>).username : undefined;
    await limitPage(ctx, 'portal', req.ip, typeof raw === 'string' && isUserId(raw) ? normalizeUserId(raw) : null);
  });

  // Before a username is posted, nothing is stored: the CSRF token of the
  // identify form lives in a signed cookie (anonymous visits write no row).
  const cookies = await signedCookies(ctx);
  const PRE_SESSION = 'jeton-pre';
  const PRE_SESSION_MS = 30 * 60_000;

  /** The identify form's POST: a live session's CSRF token, or the pre-session's. Audited and 403 otherwise. */
  async function identifyGate(req: FastifyRequest): Promise<{ session: Session | null; csrf: string }> {
    const submitted = field(req.body, 'csrf', 128);
    let reason = 'cross-site';
    if (!isCrossSite(req)) {
      const session = await loadSession(ctx, req);
      const pre = session ? null : cookies.read<{ csrf: string }>(req, PRE_SESSION);
      const expected = session?.csrf ?? (typeof pre?.csrf === 'string' ? pre.csrf : null);
      if (expected !== null && csrfMatches({ csrf: expected }, submitted)) return { session, csrf: expected };
      reason = expected === null ? 'no-session' : 'csrf';
    }
    await audit(ctx, 'portal.rejected', { username: null, ip: req.ip, detail: { area: 'portal', reason, path: '/virtuel/identify' } });
    throw new ClientError(403, 'expired');
  }

  /** A POST's session, checked: same site, live session, right CSRF token. */
  const postSession = (req: FastifyRequest): Promise<Session> => requirePostSession(ctx, req, 'portal');

  async function menuSession(req: FastifyRequest): Promise<Session & { state: MenuState }> {
    const session = await postSession(req);
    if (session.state.step !== 'menu') throw new ClientError(403, 'expired');
    return session as Session & { state: MenuState };
  }

  const minutesLeft = (ms: number): number => Math.max(1, Math.ceil(ms / 60_000));

  /** What the verify page shows: the user's own message/image/question, or the username's decoy. */
  async function verifyView(state: VerifyState): Promise<{ message: string; image: PersonalImage; question: string }> {
    const derived = await derive(ctx, state.username);
    // Looked up either way, so a decoy page costs the same queries as a real one.
    const found = await findUser(ctx, state.username);
    const user = state.known ? found : undefined;
    const questions = await securityQuestions(ctx, user?.id ?? -1);
    const question = questions.find((q) => q.id === state.questionId)?.question ?? derived.question;
    const chosen = user?.image_type === CATALOGUE_IMAGE_TYPE ? catalogueImage(Number(user.image_data)) : undefined;
    const image: PersonalImage = chosen
      ? { kind: 'pattern', pattern: chosen }
      : user?.image_type && user.image_data && user.image_type !== CATALOGUE_IMAGE_TYPE
        ? { kind: 'upload', type: user.image_type, data: user.image_data }
        : { kind: 'pattern', pattern: derived.pattern };
    return { message: user?.message || derived.message, image, question };
  }

  // ---- identify --------------------------------------------------------

  app.get('/', async (req, reply) => {
    const lang = requestLang(req);
    const existing = await loadSession(ctx, req);
    if (existing?.state.step === 'menu') return reply.redirect(to('/menu', lang), 303);
    let csrf: string;
    if (existing) csrf = (await saveSession(ctx, existing, { step: 'identify' })).csrf;
    else {
      csrf = cookies.read<{ csrf: string }>(req, PRE_SESSION)?.csrf ?? randomBytes(32).toString('base64url');
      cookies.write(reply, PRE_SESSION, { csrf }, PRE_SESSION_MS);
    }
    // The extension opens the portal with the username filled in (renewal without in-band support).
    const prefill = (req.query as Record<string, unknown>).username;
    const username = typeof prefill === 'string' && isUserId(prefill) ? normalizeUserId(prefill) : '';
    return sendPage(reply, 200, IdentifyPage({ lang, csrf, username }));
  });

  app.get('/restart', async (req, reply) => {
    const session = await loadSession(ctx, req);
    if (session) await saveSession(ctx, session, { step: 'identify' });
    return reply.redirect(to('', requestLang(req)), 303);
  });

  // « Ce n’est pas moi »: back to the start, told to call the service centre if the page was not theirs.
  app.get('/not-me', async (req, reply) => {
    const session = await loadSession(ctx, req);
    if (session) await saveSession(ctx, session, { step: 'identify' });
    return sendPage(reply, 200, NotMePage({ lang: requestLang(req), serviceCentre: ctx.config.serviceCentre }));
  });

  app.post('/identify', async (req, reply) => {
    const lang = requestLang(req);
    const { session, csrf } = await identifyGate(req);
    const raw = field(req.body, 'username', 256) ?? '';
    if (!isUserId(raw)) return sendPage(reply, 400, IdentifyPage({ lang, csrf, username: raw.slice(0, 64), invalid: true }));
    const username = normalizeUserId(raw);
    const locked = await identityLockedFor(ctx, username);
    if (locked > 0) {
      await audit(ctx, 'portal.locked', { username, ip: req.ip, detail: { step: 'identify' } });
      return sendPage(reply, 429, LockedPage({ lang, minutes: minutesLeft(locked) }));
    }
    // Known or not, the same work in the same order: user, decoy, questions.
    const user = await findUser(ctx, username);
    await derive(ctx, username);
    const questions = await securityQuestions(ctx, user?.id ?? -1);
    const question = questions.length > 0 ? questions[randomInt(questions.length)]! : undefined;
    const state: PortalState = { step: 'verify', username, known: user !== undefined && question !== undefined, questionId: question?.id ?? null };
    // The first row for this visitor is written here, once a username is posted.
    if (session) await saveSession(ctx, session, state);
    else {
      await startSession(ctx, reply, state);
      cookies.clear(reply, PRE_SESSION);
    }
    await audit(ctx, 'portal.identified', { username, ip: req.ip, detail: { known: user !== undefined } });
    return reply.redirect(to('/verify', lang), 303);
  });

  // ---- verify ----------------------------------------------------------

  app.get('/verify', async (req, reply) => {
    const lang = requestLang(req);
    const session = await loadSession(ctx, req);
    if (session?.state.step !== 'verify') return reply.redirect(to('', lang), 303);
    const view = await verifyView(session.state);
    return sendPage(reply, 200, VerifyPage({ lang, csrf: session.csrf, username: session.state.username, ...view }));
  });

  app.post('/verify', async (req, reply) => {
    const lang = requestLang(req);
    const session = await postSession(req);
    if (session.state.step !== 'verify') throw new ClientError(403, 'expired');
    const state = session.state;
    const locked = await identityLockedFor(ctx, state.username);
    if (locked > 0) return sendPage(reply, 429, LockedPage({ lang, minutes: minutesLeft(locked) }));

    const answer = field(req.body, 'answer', 200) ?? '';
    // Known or not: the same lookups and one scrypt, in the same order.
    const found = await findUser(ctx, state.username);
    const user = state.known ? found : undefined;
    const questions = await securityQuestions(ctx, user?.id ?? -1);
    const question = questions.find((q) => q.id === state.questionId);
    const matches = await verifyAnswer(answer, question?.answer_hash ?? decoyAnswerHash);
    const now = ctx.now();
    if (matches && user && question) {
      // Passed only if no concurrent wrong answer has locked the username meanwhile.
      const passed = await writes(ctx).run(async (tx) => {
        if (!(await passIdentityCheck(tx, now, state.username))) return false;
        await audit({ db: tx, now: () => now }, 'portal.answer_ok', { username: user.username, ip: req.ip });
        return true;
      });
      if (passed) {
        await rotateSession(ctx, reply, session, { step: 'menu', username: user.username, userId: user.id });
        return reply.redirect(to('/menu', lang), 303);
      }
      return sendPage(reply, 429, LockedPage({ lang, minutes: minutesLeft(await identityLockedFor(ctx, state.username)) }));
    }
    const outcome = await writes(ctx).run(async (tx) => {
      const count = await recordIdentityFailure(tx, now, state.username);
      if (count.locked) return count;
      await audit({ db: tx, now: () => now }, 'portal.answer_failed', { username: state.username, ip: req.ip, detail: { failures: count.failures } });
      if (count.lockedUntil !== null) await audit({ db: tx, now: () => now }, 'portal.locked', { username: state.username, ip: req.ip, detail: { until: count.lockedUntil } });
      return count;
    });
    if (outcome.lockedUntil !== null) return sendPage(reply, 429, LockedPage({ lang, minutes: minutesLeft(outcome.lockedUntil - now) }));
    const failures = outcome.locked ? IDENTITY_MAX_FAILURES : outcome.failures;
    const view = await verifyView(state);
    return sendPage(
      reply,
      401,
      VerifyPage({ lang, csrf: session.csrf, username: state.username, ...view, attemptsLeft: Math.max(0, IDENTITY_MAX_FAILURES - failures) }),
    );
  });

  // ---- menu ------------------------------------------------------------

  app.get('/menu', async (req, reply) => {
    const lang = requestLang(req);
    const session = await loadSession(ctx, req);
    if (session?.state.step !== 'menu') return reply.redirect(to('', lang), 303);
    const { notice, ...rest } = session.state;
    if (notice) await saveSession(ctx, session, rest);
    const hours = ctx.config.profiles[ctx.config.defaultProfile]?.activationValidityHours ?? 72;
    return sendPage(reply, 200, MenuPage({ lang, csrf: session.csrf, username: session.state.username, hours, notice }));
  });

  app.get('/tokens', async (req, reply) => {
    const lang = requestLang(req);
    const session = await loadSession(ctx, req);
    if (session?.state.step !== 'menu') return reply.redirect(to('', lang), 303);
    const { notice, ...rest } = session.state;
    if (notice) await saveSession(ctx, session, rest);
    const tokens = await listTokens(ctx, { username: session.state.username, states: ['active', 'pending'] });
    return sendPage(reply, 200, TokensPage({ lang, csrf: session.csrf, tokens, notice }));
  });

  app.post('/tokens/revoke', async (req, reply) => {
    const lang = requestLang(req);
    const session = await menuSession(req);
    const tokenId = field(req.body, 'tokenId', 64);
    const revoked = tokenId ? await revokeUserToken(ctx, tokenId, { userId: session.state.userId, ip: req.ip, via: 'portal' }) : null;
    if (!revoked) throw new ClientError(404, 'notFound');
    await saveSession(ctx, session, { ...session.state, notice: t(lang, 'tokens.revoked', { device: revoked.deviceName || t(lang, 'tokens.unnamed') }) });
    return reply.redirect(to('/tokens', lang), 303);
  });

  // ---- activation and finalize -------------------------------------------

  app.post('/activation', async (req, reply) => {
    const lang = requestLang(req);
    const session = await menuSession(req);
    const user = await findUser(ctx, session.state.username);
    if (!user || user.id !== session.state.userId) {
      await endSession(ctx, reply, session);
      throw new ClientError(403, 'expired');
    }
    const issued = await issueAndMailActivation(ctx, user, ctx.config.defaultProfile, { ip: req.ip, via: 'portal' });
    if (!issued.mailed) req.log.warn({ err: issued.mailError }, 'activation e-mail not sent');
    await saveSession(ctx, session, { ...session.state, activationId: issued.activationId });
    // The page holds the code: never cached, never stored in the session.
    return sendPage(reply, 200, ActivationPage({ lang, csrf: session.csrf, activation: issued, mailed: issued.mailed, email: maskEmail(user.email) }));
  });

  app.post('/finalize', async (req, reply) => {
    const lang = requestLang(req);
    const session = await menuSession(req);
    const activationId = session.state.activationId;
    if (activationId === undefined) return sendPage(reply, 200, FinalizePage({ lang, csrf: session.csrf, progress: 'none' }));
    const progress = await activationProgress(ctx, activationId);
    await audit(ctx, 'portal.finalized', { username: session.state.username, ip: req.ip, detail: { activationId, progress } });
    if (progress !== 'active') return sendPage(reply, 200, FinalizePage({ lang, csrf: session.csrf, progress }));
    const token = await ctx.db
      .selectFrom('tokens')
      .select(['device_name', 'expires_at'])
      .where('activation_id', '=', activationId)
      .where('user_id', '=', session.state.userId)
      .executeTakeFirst();
    return sendPage(reply, 200, FinalizePage({ lang, csrf: session.csrf, progress, device: token?.device_name ?? '', expiresAt: token?.expires_at ?? 0 }));
  });

  app.post('/logout', async (req, reply) => {
    const lang = requestLang(req);
    const session = await postSession(req);
    await endSession(ctx, reply, session);
    await audit(ctx, 'portal.logout', { username: 'username' in session.state ? session.state.username : null, ip: req.ip });
    return sendPage(reply, 200, LogoutPage({ lang }));
  });
};

/** "f•••@example.org": enough for the person to recognise, not a full address on screen. */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}
