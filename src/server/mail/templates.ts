/**
 * The e-mails Jeton sends, French first then English, as text and HTML.
 * Dates are in Quebec time. Pure functions: the caller sends.
 */
import { formatActivationCode } from '../../core/activation-code.ts';
import { count, plural } from '../../core/dates.ts';
import { frenchSpacing } from '../../core/typography.ts';
import { formatDate, formatDateTime, type Lang } from '../i18n.ts';

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** One block of an e-mail: paragraphs, label/value rows, a monospace line. */
type Block = { p: string } | { rows: Array<[string, string]> } | { code: string };

type Section = { heading?: string; lang: Lang; blocks: Block[] };

/** French blocks get French spacing (before « : ; ? ! », inside « »); values and links stay as they are. */
const typeset = (s: Section): Section =>
  s.lang !== 'fr'
    ? s
    : { ...s, blocks: s.blocks.map((b) => ('p' in b ? { p: frenchSpacing(b.p) } : 'rows' in b ? { rows: b.rows.map(([k, v]) => [frenchSpacing(k), v]) } : b)) };

function renderText(sections: Section[]): string {
  return sections
    .map(typeset)
    .map((s) => {
      // French puts a narrow no-break space before the colon; English none.
      const colon = s.lang === 'fr' ? '\u202f:' : ':';
      const body = s.blocks
        .map((b) => ('p' in b ? b.p : 'rows' in b ? b.rows.map(([k, v]) => `  ${k}${colon} ${v}`).join('\n') : `  ${b.code}`))
        .join('\n\n');
      return s.heading ? `--- ${s.heading} ---\n\n${body}` : body;
    })
    .join('\n\n\n');
}

function renderHtml(lang: Lang, title: string, sections: Section[]): string {
  const body = sections
    .map(typeset)
    .map((s) => {
      const blocks = s.blocks
        .map((b) => {
          if ('p' in b) return `<p>${escapeHtml(b.p)}</p>`;
          if ('rows' in b) {
            return `<table role="presentation" cellpadding="4">${b.rows
              .map(([k, v]) => `<tr><th align="left" scope="row">${escapeHtml(k)}</th><td><strong>${escapeHtml(v)}</strong></td></tr>`)
              .join('')}</table>`;
          }
          return `<p style="font-family:monospace;word-break:break-all;background:#f1f4f8;padding:8px">${escapeHtml(b.code)}</p>`;
        })
        .join('\n');
      const heading = s.heading ? `<hr><h2 style="font-size:1.1em">${escapeHtml(s.heading)}</h2>` : '';
      return `<div lang="${s.lang}">${heading}${blocks}</div>`;
    })
    .join('\n');
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b2430;max-width:40em">${body}</body></html>`;
}

export interface ActivationMailInput {
  userId: string;
  serverUrl: string;
  code: string;
  link: string;
  expiresAt: number;
  portalUrl: string;
}

/** The activation e-mail: the same information as the portal's activation page. @see docs/protocol.md §2 */
export function activationMail(a: ActivationMailInput): MailContent {
  const code = formatActivationCode(a.code);
  const sections = [
    {
      lang: 'fr' as const,
      blocks: [
        { p: 'Bonjour,' },
        { p: 'Voici les informations pour ajouter votre jeton virtuel Téléaccès dans l’extension Jeton de votre navigateur.' },
        { p: 'Lien d’activation, à coller dans l’extension (« Ajouter un jeton ») :' },
        { code: a.link },
        { p: 'Ou saisissez ces trois champs :' },
        { rows: [['URL du serveur', a.serverUrl], ['Nom d’utilisateur', a.userId], ['Code d’activation', code]] as Array<[string, string]> },
        { p: `Ce code ne sert qu’une fois et reste valide jusqu’au ${formatDateTime('fr', a.expiresAt)}.` },
        { p: `Ensuite, revenez sur le portail et cliquez sur « Soumettre » pour finaliser la configuration : ${a.portalUrl}` },
        { p: 'Si vous n’avez pas demandé ce code, ne l’utilisez pas et avertissez votre centre de services.' },
      ],
    },
    {
      heading: 'English',
      lang: 'en' as const,
      blocks: [
        { p: 'Hello,' },
        { p: 'Here is what you need to add your Teleaccess virtual token to the Jeton extension in your browser.' },
        { p: 'Activation link, to paste in the extension (“Add a token”):' },
        { code: a.link },
        { p: 'Or type these three fields:' },
        { rows: [['Server URL', a.serverUrl], ['Username', a.userId], ['Activation code', code]] as Array<[string, string]> },
        { p: `This code works once and is valid until ${formatDateTime('en', a.expiresAt)}.` },
        { p: `Then come back to the portal and click “Submit” to finalize the configuration: ${a.portalUrl}` },
        { p: 'If you did not ask for this code, do not use it and tell your service centre.' },
      ],
    },
  ];
  const subject = 'Votre code d’activation Jeton / Your Jeton activation code';
  return { subject, text: renderText(sections), html: renderHtml('fr', subject, sections) };
}

export interface ReminderMailInput {
  userId: string;
  deviceName: string;
  expiresAt: number;
  /** Whole days left (rounded up, as the popup and the portal count them); 0 once the token has expired. */
  days: number;
  portalUrl: string;
  allowRenewal: boolean;
}

/** The expiry reminder: N days before, or once expired; points to « Renouveler » in the extension first, the portal second. @see docs/protocol.md §6 */
export function reminderMail(r: ReminderMailInput): MailContent {
  const expired = r.days === 0;
  const device = r.deviceName || 'Jeton';
  const frWhen = expired
    ? `Votre jeton Téléaccès sur l’appareil « ${device} » a expiré le ${formatDate('fr', r.expiresAt)}. Il ne permet plus de vous connecter.`
    : `Votre jeton Téléaccès sur l’appareil « ${device} » expire le ${formatDate('fr', r.expiresAt)}, dans ${count('fr', r.days, 'jour', 'jours')}.`;
  const enWhen = expired
    ? `Your Teleaccess token on the device “${device}” expired on ${formatDate('en', r.expiresAt)}. It no longer lets you log in.`
    : `Your Teleaccess token on the device “${device}” expires on ${formatDate('en', r.expiresAt)}, in ${count('en', r.days, 'day', 'days')}.`;
  // Renewal in the extension first (one click, nothing to type), the portal second.
  const renewable = r.allowRenewal && !expired;
  const frHow: Block[] = renewable
    ? [
        { p: 'Pour le renouveler en un clic : ouvrez Jeton et cliquez sur « Renouveler ». L’ancien jeton fonctionne jusqu’à ce que le nouveau soit prêt.' },
        { p: `Si le bouton « Renouveler » n’apparaît pas, obtenez un nouveau jeton sur le portail en choisissant « Ajouter un autre appareil AOTP » : ${r.portalUrl}` },
      ]
    : [{ p: `Pour obtenir un nouveau jeton, allez sur le portail et choisissez « Ajouter un autre appareil AOTP » : ${r.portalUrl}` }];
  const enHow: Block[] = renewable
    ? [
        { p: 'To renew it in one click: open Jeton and click “Renew”. The old token keeps working until the new one is ready.' },
        { p: `If the “Renew” button does not appear, get a new token on the portal by choosing “Add another AOTP device”: ${r.portalUrl}` },
      ]
    : [{ p: `To get a new token, go to the portal and choose “Add another AOTP device”: ${r.portalUrl}` }];
  const sections = [
    { lang: 'fr' as const, blocks: [{ p: 'Bonjour,' }, { p: frWhen }, ...frHow, { p: `Nom d’utilisateur : ${r.userId}` }] },
    { heading: 'English', lang: 'en' as const, blocks: [{ p: 'Hello,' }, { p: enWhen }, ...enHow, { p: `Username: ${r.userId}` }] },
  ];
  const subject = expired
    ? 'Votre jeton Téléaccès a expiré / Your Teleaccess token has expired'
    : `Votre jeton Téléaccès expire dans ${r.days} ${plural('fr', r.days, 'jour', 'jours')} / Your Teleaccess token expires in ${r.days} ${plural('en', r.days, 'day', 'days')}`;
  return { subject, text: renderText(sections), html: renderHtml('fr', subject, sections) };
}
