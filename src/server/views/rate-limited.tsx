/** The page of a `429`: too many requests from this address or for this user, and when to try again. */
import type { VNode } from 'preact';
import { t, waitFor, type Lang } from '../i18n.ts';
import { withLang } from '../web/http.ts';
import { Layout, Notice } from './layout.tsx';

export function RateLimitedPage({ lang, seconds, restartHref }: { lang: Lang; seconds: number; restartHref: string }): VNode {
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  return (
    <Layout lang={lang} title={t(lang, 'rate.title')} switchHref={withLang(restartHref, other)}>
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
