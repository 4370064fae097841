/**
 * The words of Jeton's button on login pages, in the language the user chose
 * in Jeton (or the browser's), the same as the popup's. Not `_locales`: the
 * user's choice in the settings would not reach them.
 */
import type { Language } from '../core/messages.ts';
import { de, withFrenchSpacing } from '../core/typography.ts';

const fr = withFrenchSpacing({
  fill: 'Remplir le code',
  fillFor: (user: string) => `Remplir le code ${de(user)}`,
  copy: 'Copier le code',
  copied: 'Code copié : collez-le dans la page.',
  unlock: 'Déverrouiller Jeton',
  unlockHint: 'Cliquez sur l’icône Jeton dans la barre d’outils pour taper votre NIP, puis revenez au champ.',
});

export type Words = typeof fr;

const en: Words = {
  fill: 'Fill code',
  fillFor: (user) => `Fill code for ${user}`,
  copy: 'Copy code',
  copied: 'Code copied: paste it into the page.',
  unlock: 'Unlock Jeton',
  unlockHint: 'Click the Jeton icon in the toolbar to type your PIN, then come back to the field.',
};

/** The words for the user's language setting; "browser" follows `browserLanguage` (French for any fr-*). */
export const wordsFor = (language: Language, browserLanguage: string): Words =>
  (language === 'browser' ? browserLanguage.toLowerCase().startsWith('fr') : language === 'fr') ? fr : en;
