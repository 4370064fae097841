import { describe, expect, it } from 'vitest';
import { formatActivationLink } from '../../core/activation-link.ts';
import { activationMail, reminderMail } from './templates.ts';

const T0 = Date.UTC(2025, 10, 28, 23, 0, 0); // 18 h 00 in Quebec (EST)
const serverUrl = 'https://jeton.sante.example/aotp/v1/provision?profile=teleacces';

describe('activationMail', () => {
  const mail = activationMail({
    userId: 'format01',
    serverUrl,
    code: '27921320',
    link: formatActivationLink({ serverUrl, userId: 'format01', code: '27921320' }),
    expiresAt: T0 + 72 * 3_600_000,
    portalUrl: 'https://jeton.sante.example/virtuel',
  });

  it('gives the three fields, the link and the expiry in Quebec time, French then English', () => {
    expect(mail.subject).toBe('Votre code d’activation Jeton / Your Jeton activation code');
    expect(mail.text).toContain('Code d’activation\u202f: 2792 1320');
    expect(mail.text).toContain('Activation code: 2792 1320');
    expect(mail.text).toContain(`URL du serveur\u202f: ${serverUrl}`);
    expect(mail.text).toContain('otp://p?u=https%3A%2F%2Fjeton.sante.example');
    expect(mail.text).toContain('1er décembre 2025 à 18 h 00 (heure du Québec)');
    expect(mail.text).toContain('December 1, 2025 at 6:00 p.m. (Quebec time)');
    expect(mail.text.indexOf('Bonjour')).toBeLessThan(mail.text.indexOf('Hello'));
    expect(mail.html).toContain('<html lang="fr">');
    expect(mail.html).toContain('<div lang="en">');
    expect(mail.html).toContain('&amp;n=format01&amp;c=27921320');
  });
});

describe('reminderMail', () => {
  const base = { userId: 'format01', deviceName: 'Chrome <Bureau>', expiresAt: T0, portalUrl: 'https://jeton.sante.example/virtuel', allowRenewal: true };

  it('counts the days and says how to renew', () => {
    const m = reminderMail({ ...base, days: 7 });
    expect(m.subject).toBe('Votre jeton Téléaccès expire dans 7 jours / Your Teleaccess token expires in 7 days');
    expect(m.text).toContain('28 novembre 2025');
    expect(m.html).toContain('Chrome &lt;Bureau&gt;');
    expect(reminderMail({ ...base, days: 1 }).subject).toContain('dans 1 jour /');
  });

  it('points to the one-click renewal in the extension first, the portal second, in both languages', () => {
    const m = reminderMail({ ...base, days: 7 });
    const [fr = '', en = ''] = m.text.split('--- English ---');
    const renewFr = fr.indexOf('ouvrez Jeton et cliquez sur «\u202fRenouveler\u202f»');
    const renewEn = en.indexOf('open Jeton and click “Renew”');
    expect(renewFr).toBeGreaterThan(0);
    expect(renewEn).toBeGreaterThan(0);
    expect(fr.indexOf(base.portalUrl)).toBeGreaterThan(renewFr);
    expect(en.indexOf(base.portalUrl)).toBeGreaterThan(renewEn);
    expect(m.html.indexOf('«\u202fRenouveler\u202f»')).toBeLessThan(m.html.indexOf(base.portalUrl));
  });

  it('sends people to the portal once expired or when the profile does not renew', () => {
    const expired = reminderMail({ ...base, days: 0 });
    expect(expired.subject).toBe('Votre jeton Téléaccès a expiré / Your Teleaccess token has expired');
    expect(expired.text).toContain('Ajouter un autre appareil AOTP');
    expect(expired.text).not.toContain('Renouveler');
    const noRenewal = reminderMail({ ...base, days: 14, allowRenewal: false }).text;
    expect(noRenewal).toContain('https://jeton.sante.example/virtuel');
    expect(noRenewal).not.toContain('Renouveler');
  });
});
