/** The portal's pages (`/virtuel`): identify, verify, menu, devices, activation, finalize. */
import type { VNode } from 'preact';
import { formatActivationCode } from '../../core/activation-code.ts';
import { attempts, formatDate, formatDateTime, hours as hoursText, minutes as minutesText, otherLang, t, type Lang } from '../i18n.ts';
import type { ActivationProgress } from '../store/activations.ts';
import type { TokenSummary } from '../store/users.ts';
import type { Pattern } from '../web/decoy.ts';
import { withLang } from '../web/http.ts';
import { Csrf, Layout, Notice } from './layout.tsx';

const PORTAL = '/virtuel';
const here = (path: string, lang: Lang): string => withLang(`${PORTAL}${path}`, lang);

interface Base {
  lang: Lang;
  csrf: string;
}

export function IdentifyPage({ lang, csrf, username = '', invalid = false }: Base & { username?: string; invalid?: boolean }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'identify.title')} switchHref={here('', otherLang(lang))}>
      <p>{t(lang, 'identify.intro')}</p>
      {invalid && <Notice kind="error">{t(lang, 'identify.invalid')}</Notice>}
      <form method="post" action={here('/identify', lang)}>
        <Csrf token={csrf} />
        <label for="username">{t(lang, 'identify.username')}</label>
        <p class="help" id="username-help">
          {t(lang, 'identify.username.help')}
        </p>
        <input
          type="text"
          id="username"
          name="username"
          value={username}
          required
          maxLength={64}
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          aria-describedby="username-help"
          aria-invalid={invalid ? 'true' : undefined}
          autofocus
        />
        <div>
          <button type="submit">{t(lang, 'identify.submit')}</button>
        </div>
      </form>
    </Layout>
  );
}

/** The derived personal image: a mirrored 5×5 pattern in one colour. */
export function PatternImage({ pattern, label }: { pattern: Pattern; label: string }): VNode {
  const fill = `hsl(${pattern.hue} 55% 42%)`;
  return (
    <svg viewBox="0 0 7 7" role="img" aria-label={label} xmlns="http://www.w3.org/2000/svg">
      <rect width="7" height="7" fill={`hsl(${pattern.hue} 45% 94%)`} />
      {pattern.cells.flatMap((row, y) => row.map((on, x) => (on ? <rect key={`${x}-${y}`} x={x + 1} y={y + 1} width="1" height="1" fill={fill} /> : null)))}
    </svg>
  );
}

export type PersonalImage = { kind: 'upload'; type: string; data: string } | { kind: 'pattern'; pattern: Pattern };

export interface VerifyProps extends Base {
  username: string;
  message: string;
  image: PersonalImage;
  question: string;
  /** Attempts left after a wrong answer; undefined on first display. */
  attemptsLeft?: number;
}

export function VerifyPage({ lang, csrf, username, message, image, question, attemptsLeft }: VerifyProps): VNode {
  const imageLabel = t(lang, 'verify.image');
  return (
    <Layout lang={lang} title={t(lang, 'verify.title')} switchHref={here('/verify', otherLang(lang))}>
      <p>{t(lang, 'verify.username', { username })}</p>
      <section class="identity" aria-labelledby="identity-label">
        {image.kind === 'upload' ? <img src={`data:${image.type};base64,${image.data}`} alt={imageLabel} /> : <PatternImage pattern={image.pattern} label={imageLabel} />}
        <div>
          <p class="label" id="identity-label">
            {t(lang, 'verify.message')}
          </p>
          <blockquote>{message}</blockquote>
        </div>
      </section>
      <p class="help">{t(lang, 'verify.antiphishing')}</p>
      {attemptsLeft !== undefined && <Notice kind="error">{t(lang, 'verify.wrong', { left: attempts(lang, attemptsLeft) })}</Notice>}
      <form method="post" action={here('/verify', lang)}>
        <Csrf token={csrf} />
        <p class="label">
          <strong>{t(lang, 'verify.question')}</strong> <span id="question">{question}</span>
        </p>
        <label for="answer">{t(lang, 'verify.answer')}</label>
        <input
          type="password"
          id="answer"
          name="answer"
          required
          maxLength={200}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          aria-describedby="question"
          aria-invalid={attemptsLeft !== undefined ? 'true' : undefined}
          autofocus
        />
        <div hidden>
          <label class="check" for="show-answer">
            <input type="checkbox" id="show-answer" data-reveal="answer" />
            {t(lang, 'verify.show')}
          </label>
        </div>
        <div>
          <button type="submit">{t(lang, 'verify.submit')}</button>
          <a class="button secondary" href={here('/not-me', lang)}>
            {t(lang, 'verify.restart')}
          </a>
        </div>
      </form>
    </Layout>
  );
}

/** « Ce n’est pas moi »: what to do when the verify page was not theirs; the session is back at the start. */
export function NotMePage({ lang, serviceCentre }: { lang: Lang; serviceCentre?: string | undefined }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'notMe.title')} switchHref={here('/not-me', otherLang(lang))}>
      <Notice kind="warn">
        <span id="not-me">{t(lang, 'notMe.call')}</span>
      </Notice>
      {serviceCentre && (
        <p id="service-centre">
          <strong>{t(lang, 'notMe.contact', { contact: serviceCentre })}</strong>
        </p>
      )}
      <p>{t(lang, 'notMe.typo')}</p>
      <a class="button secondary" href={here('', lang)}>
        {t(lang, 'error.restart')}
      </a>
    </Layout>
  );
}

export function LockedPage({ lang, minutes }: { lang: Lang; minutes: number }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'locked.title')} switchHref={here('/restart', otherLang(lang))}>
      <Notice kind="error">{t(lang, 'locked.text', { duration: minutesText(lang, minutes) })}</Notice>
      <a class="button secondary" href={here('/restart', lang)}>
        {t(lang, 'error.restart')}
      </a>
    </Layout>
  );
}

export function MenuPage({ lang, csrf, username, hours, notice }: Base & { username: string; hours: number; notice?: string | undefined }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'menu.title')} switchHref={here('/menu', otherLang(lang))}>
      <p>{t(lang, 'menu.hello', { username })}</p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      <ul class="menu">
        <li>
          <form method="post" action={here('/activation', lang)}>
            <Csrf token={csrf} />
            <button type="submit" aria-describedby="add-help">
              {t(lang, 'menu.add')}
            </button>
            <p class="help" id="add-help">
              {t(lang, 'menu.add.help', { hours: hoursText(lang, hours) })}
            </p>
          </form>
        </li>
        <li>
          <a class="button" href={here('/tokens', lang)} aria-describedby="expiry-help">
            {t(lang, 'menu.expiry')}
          </a>
          <p class="help" id="expiry-help">
            {t(lang, 'menu.expiry.help')}
          </p>
        </li>
        <li>
          <form method="post" action={here('/logout', lang)}>
            <Csrf token={csrf} />
            <button type="submit" class="secondary">
              {t(lang, 'menu.logout')}
            </button>
          </form>
        </li>
      </ul>
    </Layout>
  );
}

export function TokensPage({ lang, csrf, tokens, notice }: Base & { tokens: TokenSummary[]; notice?: string | undefined }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'tokens.title')} switchHref={here('/tokens', otherLang(lang))}>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {tokens.length === 0 ? (
        <p>{t(lang, 'tokens.none')}</p>
      ) : (
        <table>
          <caption class="help">{t(lang, 'tokens.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t(lang, 'tokens.device')}</th>
              <th scope="col">{t(lang, 'tokens.state')}</th>
              <th scope="col">{t(lang, 'tokens.expires')}</th>
              <th scope="col">{t(lang, 'tokens.daysLeft')}</th>
              <th scope="col">{t(lang, 'tokens.action')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((tok) => {
              const device = tok.deviceName || t(lang, 'tokens.unnamed');
              const state = tok.state === 'expired' ? 'expired' : tok.state === 'pending' ? 'pending' : 'active';
              return (
                <tr key={tok.id}>
                  <th scope="row">{device}</th>
                  <td class={`state-${state}`}>{t(lang, `tokens.state.${state}`)}</td>
                  <td>{formatDate(lang, tok.expiresAt)}</td>
                  <td>{Math.max(0, tok.daysLeft)}</td>
                  <td>
                    <form method="post" action={here('/tokens/revoke', lang)} class="inline">
                      <Csrf token={csrf} />
                      <input type="hidden" name="tokenId" value={tok.id} />
                      <button type="submit" class="danger" aria-label={t(lang, 'tokens.revoke.label', { device })}>
                        {t(lang, 'tokens.revoke')}
                      </button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <a class="button secondary" href={here('/menu', lang)}>
        {t(lang, 'tokens.back')}
      </a>
    </Layout>
  );
}

export interface ActivationView {
  serverUrl: string;
  userId: string;
  code: string;
  link: string;
  expiresAt: number;
}

export function ActivationPage({
  lang,
  csrf,
  activation,
  mailed,
  email,
}: Base & { activation: ActivationView; mailed: boolean; email: string }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'activation.title')} switchHref={here('/menu', otherLang(lang))}>
      <p>{t(lang, 'activation.intro')}</p>
      {mailed ? <Notice kind="ok">{t(lang, 'activation.mailed', { email })}</Notice> : <Notice kind="warn">{t(lang, 'activation.mailFailed')}</Notice>}
      <dl class="fields">
        <dt>{t(lang, 'activation.serverUrl')}</dt>
        <dd id="server-url">{activation.serverUrl}</dd>
        <dt>{t(lang, 'activation.userId')}</dt>
        <dd id="user-id">{activation.userId}</dd>
        <dt>{t(lang, 'activation.code')}</dt>
        <dd>
          <span class="big-code" id="activation-code" data-value={activation.code}>
            {formatActivationCode(activation.code)}
          </span>
          <p class="help">{t(lang, 'activation.expires', { date: formatDateTime(lang, activation.expiresAt) })}</p>
        </dd>
      </dl>
      <h2>{t(lang, 'activation.link')}</h2>
      <p class="link" id="activation-link">
        {activation.link}
      </p>
      <button type="button" class="secondary small" data-copy="activation-link" data-done={t(lang, 'activation.copied')} hidden>
        {t(lang, 'activation.copy')}
      </button>
      <form method="post" action={here('/finalize', lang)}>
        <Csrf token={csrf} />
        <p class="help">{t(lang, 'activation.finalize.help')}</p>
        <button type="submit">{t(lang, 'activation.submit')}</button>
        <a class="button secondary" href={here('/menu', lang)}>
          {t(lang, 'tokens.back')}
        </a>
      </form>
    </Layout>
  );
}

export function FinalizePage({
  lang,
  csrf,
  progress,
  device,
  expiresAt,
}: Base & { progress: ActivationProgress | 'none'; device?: string; expiresAt?: number }): VNode {
  const done = progress === 'active';
  const retry = progress === 'waiting' || progress === 'provisioned';
  const text =
    progress === 'active'
      ? t(lang, 'finalize.active', { device: device || t(lang, 'tokens.unnamed'), date: formatDate(lang, expiresAt ?? 0) })
      : progress === 'provisioned'
        ? t(lang, 'finalize.provisioned')
        : progress === 'waiting'
          ? t(lang, 'finalize.waiting')
          : progress === 'expired'
            ? t(lang, 'finalize.expired')
            : progress === 'locked'
              ? t(lang, 'finalize.locked')
              : t(lang, 'finalize.none');
  return (
    <Layout lang={lang} title={t(lang, 'finalize.title')} switchHref={here('/menu', otherLang(lang))}>
      <Notice kind={done ? 'ok' : retry ? 'warn' : 'error'}>
        <span id="finalize-status" data-progress={progress}>
          {text}
        </span>
      </Notice>
      {retry && (
        <form method="post" action={here('/finalize', lang)} class="inline">
          <Csrf token={csrf} />
          <button type="submit">{t(lang, 'finalize.again')}</button>
        </form>
      )}
      {!done && !retry && (
        <form method="post" action={here('/activation', lang)} class="inline">
          <Csrf token={csrf} />
          <button type="submit">{t(lang, 'finalize.new')}</button>
        </form>
      )}
      <a class="button secondary" href={here('/menu', lang)}>
        {t(lang, 'tokens.back')}
      </a>
    </Layout>
  );
}

export function LogoutPage({ lang }: { lang: Lang }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'logout.title')} switchHref={here('', otherLang(lang))}>
      <p>{t(lang, 'logout.text')}</p>
      <a class="button secondary" href={here('', lang)}>
        {t(lang, 'logout.again')}
      </a>
    </Layout>
  );
}
