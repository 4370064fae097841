/** The frame every server-rendered page shares, and the function that renders a page. */
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { otherLang, t, type Lang } from '../i18n.ts';

const ASSETS = '/virtuel/assets';

export interface LayoutProps {
  lang: Lang;
  title: string;
  /** Where the language switch leads (the same page in the other language). */
  switchHref: string;
  children: ComponentChildren;
}

export function Layout({ lang, title, switchHref, children }: LayoutProps): VNode {
  const other = otherLang(lang);
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} — ${t(lang, 'site.name')}`}</title>
        <link rel="stylesheet" href={`${ASSETS}/portal.css`} />
        <script src={`${ASSETS}/portal.js`} defer />
      </head>
      <body>
        <a class="skip" href="#main">
          {t(lang, 'site.skip')}
        </a>
        <header class="site">
          <div class="bar">
            <span class="brand">Jeton</span>
            <span class="sub">{t(lang, 'site.name').replace(/^Jeton — /, '')}</span>
            <a href={switchHref} lang={other} hreflang={other}>
              {t(lang, 'site.switch')}
            </a>
          </div>
        </header>
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {children}
        </main>
        <footer>
          <p>{t(lang, 'site.footer')}</p>
        </footer>
      </body>
    </html>
  );
}

/** A full HTML document. */
export const renderPage = (page: VNode): string => `<!doctype html>${renderToString(page)}`;

/** A hidden CSRF field: every form has one. */
export const Csrf = ({ token }: { token: string }): VNode => <input type="hidden" name="csrf" value={token} />;

export function Notice({ kind, children }: { kind: 'ok' | 'warn' | 'error'; children: ComponentChildren }): VNode {
  // Errors are announced to screen readers as soon as the page loads.
  return (
    <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
