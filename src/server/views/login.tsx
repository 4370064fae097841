/**
 * The sample login page, in two steps like the real SSO page: username and
 * password (`/login`), then the access code alone (`/login/code`).
 */
import type { VNode } from 'preact';
import { otherLang, t, type Lang } from '../i18n.ts';
import { withLang } from '../web/http.ts';
import { Csrf, Layout, Notice } from './layout.tsx';

export type LoginResult = { ok: true; username: string; expiresOn: string } | { ok: false; message: string };

export interface LoginProps {
  lang: Lang;
  csrf: string;
  username?: string;
  result?: LoginResult;
}

function Refusal({ result }: { result: LoginResult | undefined }): VNode | null {
  if (!result || result.ok) return null;
  return (
    <Notice kind="error">
      <span id="login-result" data-ok="false">
        {result.message}
      </span>
    </Notice>
  );
}

/** Step 1: username and password. */
export function LoginPage({ lang, csrf, username = '', result }: LoginProps): VNode {
  const other = otherLang(lang);
  return (
    <Layout lang={lang} title={t(lang, 'login.title')} switchHref={withLang('/login', other)}>
      <p>{t(lang, 'login.intro')}</p>
      <Refusal result={result} />
      <form method="post" action={withLang('/login', lang)}>
        <Csrf token={csrf} />
        <label for="username">{t(lang, 'login.username')}</label>
        <input type="text" id="username" name="username" value={username} required maxLength={64} autocomplete="username" autocapitalize="none" spellcheck={false} />
        <label for="password">{t(lang, 'login.password')}</label>
        <input type="password" id="password" name="password" required maxLength={256} autocomplete="current-password" />
        <div>
          <button type="submit">{t(lang, 'login.next')}</button>
        </div>
      </form>
    </Layout>
  );
}

/** Step 2: the access code alone, once the password was right; or the outcome. */
export function LoginCodePage({ lang, csrf, username = '', result }: LoginProps): VNode {
  const other = otherLang(lang);
  if (result?.ok) {
    return (
      <Layout lang={lang} title={t(lang, 'login.title')} switchHref={withLang('/login', other)}>
        <Notice kind="ok">
          <span id="login-result" data-ok="true">
            {t(lang, 'login.ok', { username: result.username, date: result.expiresOn })}
          </span>
        </Notice>
        <a class="button secondary" href={withLang('/login', lang)}>
          {t(lang, 'login.again')}
        </a>
      </Layout>
    );
  }
  return (
    <Layout lang={lang} title={t(lang, 'login.code.title')} switchHref={withLang('/login/code', other)}>
      <p id="login-user">{t(lang, 'login.code.intro', { username })}</p>
      <Refusal result={result} />
      <form method="post" action={withLang('/login/code', lang)}>
        <Csrf token={csrf} />
        <label for="otp">{t(lang, 'login.otp')}</label>
        <p class="help" id="otp-help">
          {t(lang, 'login.otp.help')}
        </p>
        <input
          type="text"
          class="code"
          id="otp"
          name="otp"
          required
          maxLength={10}
          inputMode="numeric"
          pattern="[0-9 ]*"
          autocomplete="one-time-code"
          aria-describedby="otp-help"
        />
        <div>
          <button type="submit">{t(lang, 'login.submit')}</button>
        </div>
      </form>
      <a href={withLang('/login', lang)}>{t(lang, 'login.restart')}</a>
    </Layout>
  );
}
