/**
 * The words of the portal, the login page and the e-mails: French first,
 * English when asked (`?lang=en`) or when the browser prefers it.
 */
import { count, longDate, longDateTime } from '../core/dates.ts';
import { withFrenchSpacing } from '../core/typography.ts';

export type Lang = 'fr' | 'en';

const fr = withFrenchSpacing({
  'site.name': 'Jeton — Téléaccès',
  'site.skip': 'Aller au contenu',
  'site.switch': 'English',
  'site.footer': 'Jeton, le jeton virtuel du réseau de la santé. En cas de doute, appelez votre centre de services.',

  'identify.title': 'Jeton virtuel : mon appareil',
  'identify.intro':
    'Ce portail vous permet d’ajouter votre jeton virtuel dans votre navigateur, de vérifier sa date d’expiration et de retirer un appareil.',
  'identify.username': 'Nom d’utilisateur',
  'identify.username.help': 'Le même que pour le Téléaccès, par exemple « format01 ».',
  'identify.submit': 'Continuer',
  'identify.invalid': 'Le nom d’utilisateur contient de 1 à 64 caractères : lettres, chiffres et . _ @ -',

  'verify.title': 'Vérification de votre identité',
  'verify.message': 'Votre message personnel',
  'verify.image': 'Votre image personnelle',
  'verify.antiphishing':
    'Si ce message ou cette image ne sont pas les vôtres, ne répondez pas : fermez la page et appelez votre centre de services.',
  'verify.question': 'Question de sécurité :',
  'verify.answer': 'Votre réponse',
  'verify.show': 'Afficher en clair',
  'verify.submit': 'Valider',
  'verify.wrong': 'Réponse incorrecte. Il vous reste {left} avant un blocage de 15 minutes.',
  'verify.restart': 'Ce n’est pas moi',
  'verify.username': 'Utilisateur : {username}',

  'notMe.title': 'Ce n’est pas vous ?',
  'notMe.call':
    'Si le nom d’utilisateur est bien le vôtre mais que ce message ou cette image ne le sont pas, ne répondez pas à la question : appelez votre centre de services, qui vérifiera votre compte.',
  'notMe.typo': 'Si vous vous êtes trompé de nom d’utilisateur, recommencez.',
  'notMe.contact': 'Centre de services\u202f: {contact}',

  'rate.title': 'Trop de demandes',
  'rate.text': 'Vous avez envoyé trop de demandes en peu de temps. Réessayez dans {duration}.',

  'locked.title': 'Accès temporairement bloqué',
  'locked.text': 'Trop de réponses incorrectes. Réessayez dans {duration}, ou appelez votre centre de services.',

  'menu.title': 'Mon jeton virtuel',
  'menu.hello': 'Identité vérifiée : {username}',
  'menu.add': 'Ajouter un autre appareil AOTP',
  'menu.add.help': 'Donne un code d’activation pour ajouter le jeton dans votre navigateur (valide {hours}).',
  'menu.expiry': 'Vérifier la date d’expiration',
  'menu.expiry.help': 'Vos appareils, leur date d’expiration et les jours restants ; vous pouvez aussi retirer un appareil.',
  'menu.logout': 'Terminer',

  'tokens.title': 'Mes appareils',
  'tokens.none': 'Aucun appareil n’a encore de jeton.',
  'tokens.device': 'Appareil',
  'tokens.state': 'État',
  'tokens.expires': 'Expire le',
  'tokens.daysLeft': 'Jours restants',
  'tokens.action': 'Action',
  'tokens.revoke': 'Retirer',
  'tokens.revoke.label': 'Retirer l’appareil {device}',
  'tokens.revoked': 'L’appareil « {device} » a été retiré : son jeton ne fonctionne plus.',
  'tokens.state.active': 'Actif',
  'tokens.state.pending': 'À finaliser',
  'tokens.state.expired': 'Expiré',
  'tokens.back': 'Retour au menu',
  'tokens.unnamed': 'Appareil sans nom',

  'activation.title': 'Ajouter le jeton dans votre navigateur',
  'activation.intro':
    'Dans l’extension Jeton, choisissez « Ajouter un jeton », puis collez le lien d’activation ou saisissez les trois champs ci-dessous. Ces informations vous ont aussi été envoyées par courriel.',
  'activation.serverUrl': 'URL du serveur',
  'activation.userId': 'Nom d’utilisateur',
  'activation.code': 'Code d’activation',
  'activation.expires': 'Valide jusqu’au {date}.',
  'activation.link': 'Lien d’activation',
  'activation.copy': 'Copier le lien',
  'activation.copied': 'Lien copié',
  'activation.finalize.help': 'Une fois le jeton ajouté dans l’extension, cliquez sur « Soumettre » pour finaliser la configuration.',
  'activation.submit': 'Soumettre',
  'activation.mailed': 'Un courriel avec ces informations a été envoyé à {email}.',
  'activation.mailFailed': 'Le courriel n’a pas pu être envoyé ; notez ces informations maintenant.',

  'finalize.title': 'Finaliser la configuration',
  'finalize.active': 'C’est fait : votre appareil « {device} » est configuré et son jeton est actif jusqu’au {date}.',
  'finalize.provisioned':
    'Votre appareil a reçu le jeton, mais ne l’a pas encore confirmé. Vérifiez l’extension, puis cliquez de nouveau sur « Soumettre ».',
  'finalize.waiting':
    'Aucun appareil n’a encore utilisé ce code d’activation. Ajoutez le jeton dans l’extension avec le code reçu par courriel, puis cliquez de nouveau sur « Soumettre ».',
  'finalize.expired': 'Ce code d’activation a expiré. Demandez-en un nouveau.',
  'finalize.locked': 'Ce code d’activation a été bloqué après trop d’essais. Demandez-en un nouveau.',
  'finalize.none': 'Aucune activation en cours.',
  'finalize.again': 'Soumettre',
  'finalize.new': 'Obtenir un nouveau code',

  'logout.title': 'Session terminée',
  'logout.text': 'Votre session est terminée. Vous pouvez fermer cette page.',
  'logout.again': 'Recommencer',

  'error.title': 'Un problème est survenu',
  'error.expired': 'Votre session a expiré ou la page n’est plus valide. Recommencez depuis le début.',
  'error.bad': 'La demande n’est pas valide.',
  'error.notFound': 'Cette page n’existe pas.',
  'error.server': 'Une erreur est survenue de notre côté. Réessayez dans quelques minutes.',
  'error.restart': 'Recommencer',

  'login.title': 'Connexion au Téléaccès (exemple)',
  'login.intro':
    'Page de connexion d’exemple : elle vérifie votre mot de passe, puis votre code d’accès sur une deuxième page, comme le fait le Téléaccès.',
  'login.username': 'Nom d’utilisateur',
  'login.password': 'Mot de passe',
  'login.next': 'Continuer',
  'login.code.title': 'Code d’accès',
  'login.code.intro': 'Mot de passe vérifié pour {username}. Saisissez maintenant le code d’accès de votre jeton.',
  'login.otp': 'Code d’accès',
  'login.otp.help': 'Le code à 6 chiffres de votre jeton virtuel.',
  'login.submit': 'Se connecter',
  'login.ok': 'Connexion réussie. Bienvenue, {username} ! Votre jeton expire le {date}.',
  'login.badPassword': 'Nom d’utilisateur ou mot de passe incorrect.',
  'login.badCode': 'Code d’accès incorrect. Attendez le code suivant et réessayez.',
  'login.locked': 'Trop de codes incorrects : connexion bloquée pour encore {duration}.',
  'login.noToken': 'Aucun jeton actif pour cet utilisateur. Ajoutez-en un depuis le portail {portal}.',
  'login.missing': 'Saisissez votre nom d’utilisateur et votre mot de passe.',
  'login.missingCode': 'Saisissez le code d’accès.',
  'login.restart': 'Recommencer avec un autre utilisateur',
  'login.again': 'Se connecter de nouveau',
});

export type MessageKey = keyof typeof fr;

const en: Record<MessageKey, string> = {
  'site.name': 'Jeton — Teleaccess',
  'site.skip': 'Skip to content',
  'site.switch': 'Français',
  'site.footer': 'Jeton, the health network’s virtual token. When in doubt, call your service centre.',

  'identify.title': 'Virtual token: my device',
  'identify.intro': 'This portal lets you add your virtual token to your browser, check its expiry date and remove a device.',
  'identify.username': 'Username',
  'identify.username.help': 'The same as for Teleaccess, for example “format01”.',
  'identify.submit': 'Continue',
  'identify.invalid': 'A username has 1 to 64 characters: letters, digits and . _ @ -',

  'verify.title': 'Identity check',
  'verify.message': 'Your personal message',
  'verify.image': 'Your personal image',
  'verify.antiphishing': 'If this message or image is not yours, do not answer: close the page and call your service centre.',
  'verify.question': 'Security question:',
  'verify.answer': 'Your answer',
  'verify.show': 'Show in clear',
  'verify.submit': 'Confirm',
  'verify.wrong': 'Wrong answer. {left} left before a 15-minute lock.',
  'verify.restart': 'This is not me',
  'verify.username': 'User: {username}',

  'notMe.title': 'Not you?',
  'notMe.call': 'If the username is yours but this message or image is not, do not answer the question: call your service centre, who will check your account.',
  'notMe.typo': 'If you mistyped your username, start again.',
  'notMe.contact': 'Service centre: {contact}',

  'rate.title': 'Too many requests',
  'rate.text': 'You sent too many requests in a short time. Try again in {duration}.',

  'locked.title': 'Access temporarily locked',
  'locked.text': 'Too many wrong answers. Try again in {duration}, or call your service centre.',

  'menu.title': 'My virtual token',
  'menu.hello': 'Identity confirmed: {username}',
  'menu.add': 'Add another AOTP device',
  'menu.add.help': 'Gives an activation code to add the token to your browser (valid {hours}).',
  'menu.expiry': 'Check the expiry date',
  'menu.expiry.help': 'Your devices, their expiry dates and days left; you can also remove a device.',
  'menu.logout': 'Finish',

  'tokens.title': 'My devices',
  'tokens.none': 'No device has a token yet.',
  'tokens.device': 'Device',
  'tokens.state': 'State',
  'tokens.expires': 'Expires on',
  'tokens.daysLeft': 'Days left',
  'tokens.action': 'Action',
  'tokens.revoke': 'Remove',
  'tokens.revoke.label': 'Remove the device {device}',
  'tokens.revoked': 'The device “{device}” was removed: its token no longer works.',
  'tokens.state.active': 'Active',
  'tokens.state.pending': 'To finalize',
  'tokens.state.expired': 'Expired',
  'tokens.back': 'Back to the menu',
  'tokens.unnamed': 'Unnamed device',

  'activation.title': 'Add the token to your browser',
  'activation.intro':
    'In the Jeton extension, choose “Add a token”, then paste the activation link or type the three fields below. This information was also sent to you by e-mail.',
  'activation.serverUrl': 'Server URL',
  'activation.userId': 'Username',
  'activation.code': 'Activation code',
  'activation.expires': 'Valid until {date}.',
  'activation.link': 'Activation link',
  'activation.copy': 'Copy the link',
  'activation.copied': 'Link copied',
  'activation.finalize.help': 'Once the token is added in the extension, click “Submit” to finalize the configuration.',
  'activation.submit': 'Submit',
  'activation.mailed': 'An e-mail with this information was sent to {email}.',
  'activation.mailFailed': 'The e-mail could not be sent; write this information down now.',

  'finalize.title': 'Finalize the configuration',
  'finalize.active': 'Done: your device “{device}” is configured and its token is active until {date}.',
  'finalize.provisioned': 'Your device received the token but has not confirmed it yet. Check the extension, then click “Submit” again.',
  'finalize.waiting': 'No device has used this activation code yet. Add the token in the extension with the code you received by e-mail, then click “Submit” again.',
  'finalize.expired': 'This activation code has expired. Ask for a new one.',
  'finalize.locked': 'This activation code was locked after too many attempts. Ask for a new one.',
  'finalize.none': 'No activation in progress.',
  'finalize.again': 'Submit',
  'finalize.new': 'Get a new code',

  'logout.title': 'Session ended',
  'logout.text': 'Your session has ended. You may close this page.',
  'logout.again': 'Start again',

  'error.title': 'Something went wrong',
  'error.expired': 'Your session has expired or this page is no longer valid. Start again from the beginning.',
  'error.bad': 'The request is not valid.',
  'error.notFound': 'This page does not exist.',
  'error.server': 'Something went wrong on our side. Try again in a few minutes.',
  'error.restart': 'Start again',

  'login.title': 'Teleaccess login (sample)',
  'login.intro': 'A sample login page: it checks your password, then your access code on a second page, as Teleaccess does.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.next': 'Continue',
  'login.code.title': 'Access code',
  'login.code.intro': 'Password checked for {username}. Now enter your token’s access code.',
  'login.otp': 'Access code',
  'login.otp.help': 'The 6-digit code of your virtual token.',
  'login.submit': 'Log in',
  'login.ok': 'Logged in. Welcome, {username}! Your token expires on {date}.',
  'login.badPassword': 'Wrong username or password.',
  'login.badCode': 'Wrong access code. Wait for the next code and try again.',
  'login.locked': 'Too many wrong codes: login locked for {duration} more.',
  'login.noToken': 'No active token for this user. Add one from the portal {portal}.',
  'login.missing': 'Enter your username and password.',
  'login.missingCode': 'Enter the access code.',
  'login.restart': 'Start again with another user',
  'login.again': 'Log in again',
};

const catalogs: Record<Lang, Record<MessageKey, string>> = { fr, en };

export type Params = Record<string, string | number>;

/** The text for `key` in `lang`, with `{name}` placeholders filled. */
export function t(lang: Lang, key: MessageKey, params: Params = {}): string {
  return catalogs[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

const isLang = (value: unknown): value is Lang => value === 'fr' || value === 'en';

/** The other language: where the language switch leads. */
export const otherLang = (lang: Lang): Lang => (lang === 'fr' ? 'en' : 'fr');

/**
 * The language of a request: `?lang=` when valid, else the first of fr/en in
 * `Accept-Language` by preference, else French.
 */
export function pickLang(queryLang: unknown, acceptLanguage: string | undefined): Lang {
  if (isLang(queryLang)) return queryLang;
  if (!acceptLanguage) return 'fr';
  const ranked = acceptLanguage
    .slice(0, 512)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { base: tag.split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => isLang(entry.base) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const best = ranked[0]?.base;
  return isLang(best) ? best : 'fr';
}

const ZONE = 'America/Toronto'; // Quebec's time zone (America/Montreal is an alias of it).

/** A date as people in Quebec read it: « 1er décembre 2027 » / "December 1, 2027". */
export const formatDate = (lang: Lang, ms: number): string => longDate(ms, lang, ZONE);

/** A date and time in Quebec time: « 1er décembre 2027 à 18 h 00 (heure du Québec) » / "December 1, 2027 at 6:00 p.m. (Quebec time)". */
export const formatDateTime = (lang: Lang, ms: number): string => `${longDateTime(ms, lang, ZONE)} (${lang === 'fr' ? 'heure du Québec' : 'Quebec time'})`;

/** « 1 minute », « 15 minutes »: the plural by Intl.PluralRules (French counts 0 and 1 as singular). */
export const minutes = (lang: Lang, n: number): string => count(lang, n, 'minute', 'minutes');

/** A wait as people read it: « 45 secondes », « 1 minute », « 3 minutes ». */
export const waitFor = (lang: Lang, seconds: number): string =>
  seconds >= 60 ? minutes(lang, Math.ceil(seconds / 60)) : count(lang, seconds, lang === 'fr' ? 'seconde' : 'second', lang === 'fr' ? 'secondes' : 'seconds');

/** « 1 essai », « 2 essais » / "1 attempt", "2 attempts". */
export const attempts = (lang: Lang, n: number): string => (lang === 'fr' ? count(lang, n, 'essai', 'essais') : count(lang, n, 'attempt', 'attempts'));

/** « 1 heure », « 72 heures » / "1 hour", "72 hours". */
export const hours = (lang: Lang, n: number): string => (lang === 'fr' ? count(lang, n, 'heure', 'heures') : count(lang, n, 'hour', 'hours'));
