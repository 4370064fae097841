/**
 * The words the background shows outside the popup (notifications, badge),
 * in French and English. The popup's own words are in src/popup/i18n.ts.
 */
import { longDate, plural } from '../core/dates.ts';
import { de, frenchSpacing } from '../core/typography.ts';
import type { Language } from '../core/messages.ts';

export type Lang = 'fr' | 'en';

/** The user's choice, else the browser's: French for any French locale. */
export const backgroundLang = (choice: Language, uiLanguage: string): Lang =>
  choice !== 'browser' ? choice : uiLanguage.toLowerCase().startsWith('fr') ? 'fr' : 'en';


/** The badge's text for `days` left: « 7j », "7d". */
export const badgeDays = (lang: Lang, days: number): string => `${days}${lang === 'fr' ? 'j' : 'd'}`;

export interface NoteFacts {
  issuer: string;
  userId: string;
  expiresAt: string;
  /** Days left; 0 or less: expired. */
  days: number;
  /** `open`: one click renews now; `not_open`: on `renewOpensAt`; `portal`: through the portal. */
  renewal: 'open' | 'not_open' | 'portal';
  renewOpensAt?: string;
}

/** A notification's title and text. */
export function expiryNote(lang: Lang, f: NoteFacts): { title: string; message: string; button: string } {
  if (lang === 'fr') {
    const note = frenchNote(f);
    return { title: frenchSpacing(note.title), message: frenchSpacing(note.message), button: note.button };
  }
  const date = longDate(f.expiresAt, lang);
  if (f.days <= 0) {
    return { title: `${f.issuer} token expired`, message: `The token of ${f.userId} expired on ${date}. Ask the portal for a new one.`, button: 'Renew' };
  }
  const title = `${f.issuer} token: expires in ${f.days} ${plural(lang, f.days, 'day', 'days')}`;
  const how =
    f.renewal === 'open'
      ? 'Renew it in one click: the old one works until the new one is ready.'
      : f.renewal === 'not_open' && f.renewOpensAt
        ? `Renewal opens on ${longDate(f.renewOpensAt, lang)}.`
        : 'Renew it on the portal.';
  return { title, message: `The token of ${f.userId} expires on ${date}. ${how}`, button: 'Renew' };
}

/** The notification in French, before French spacing. */
function frenchNote(f: NoteFacts): { title: string; message: string; button: string } {
  const date = longDate(f.expiresAt, 'fr');
  if (f.days <= 0) {
    return { title: `Jeton ${f.issuer} expiré`, message: `Le jeton ${de(f.userId)} a expiré le ${date}. Demandez-en un nouveau sur le portail.`, button: 'Renouveler' };
  }
  const title = `Jeton ${f.issuer} : expire dans ${f.days} ${plural('fr', f.days, 'jour', 'jours')}`;
  const how =
    f.renewal === 'open'
      ? 'Renouvelez-le en un clic : l’ancien fonctionne jusqu’à ce que le nouveau soit prêt.'
      : f.renewal === 'not_open' && f.renewOpensAt
        ? `Le renouvellement ouvre le ${longDate(f.renewOpensAt, 'fr')}.`
        : 'Renouvelez-le sur le portail.';
  return { title, message: `Le jeton ${de(f.userId)} expire le ${date}. ${how}`, button: 'Renouveler' };
}
