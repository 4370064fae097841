/** The error pages the portal and the login page share: a 4xx or 5xx, and a 429 with when to try again. */
import type { VNode } from 'preact';
import { otherLang, t, waitFor, type Lang } from '../i18n.ts';
import { withLang } from '../web/http.ts';
import { Layout, Notice } from './layout.tsx';


/** A 4xx says what to do; a 5xx says nothing about why. */
export function ErrorPage({ lang, reason, restartHref }: { lang: Lang; reason: 'bad' | 'expired' | 'notFound' | 'server'; restartHref: string }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'error.title')} switchHref={withLang(restartHref.replace(/\?.*$/, ''), otherLang(lang))}>
      <Notice kind="error">{t(lang, `error.${reason}`)}</Notice>
      <a class="button secondary" href={restartHref}>
        {t(lang, 'error.restart')}
      </a>
    </Layout>
  );
}

/** Too many requests from this address or for this user, and when to try again. */
export function RateLimitedPage({ lang, seconds, restartHref }: { lang: Lang; seconds: number; restartHref: string }): VNode {
  return (
    <Layout lang={lang} title={t(lang, 'rate.title')} switchHref={withLang(restartHref, otherLang(lang))}>
      <Notice kind="error">
        <span id="rate-limited" data-retry-after={String(seconds)}>
          {t(lang, 'rate.text', { duration: waitFor(lang, seconds) })}
        </span>
      </Notice>
      <a class="button secondary" href={withLang(restartHref, lang)}>
        {t(lang, 'error.restart')}
      </a>
    </Layout>
  );
}
