import { render } from 'preact-render-to-string';
import { describe, expect, it, vi } from 'vitest';
import { AUTO_LOCK_CHOICES, type PolicyView } from '../core/messages.ts';
import { AddAccount } from './add-account.tsx';
import { dict } from './i18n.ts';
import { SettingsScreen } from './settings.tsx';

// The screens import `send`, which needs the polyfill; nothing is sent while rendering.
vi.mock('webextension-polyfill', () => ({ default: {} }));

const noop = () => undefined;
const settingsScreen = (policy: Omit<PolicyView, 'fillEnabled' | 'autoFillManaged'> & Partial<PolicyView>, lang: 'fr' | 'en' = 'fr', autoFill = false) =>
  render(
    <SettingsScreen
      d={dict(lang)}
      settings={{ language: 'browser', autoLockMinutes: 15, autoFill }}
      demo={false}
      policy={{ fillEnabled: true, autoFillManaged: false, ...policy }}
      accounts={[]}
      onSettings={noop}
      onDemo={noop}
      onRemove={async () => undefined}
      onImported={noop}
    />,
  );
const options = (html: string) => [...html.matchAll(/<option[^>]*value="(\d+)"/g)].map((m) => Number(m[1]));

describe('settings under the organisation’s policy', () => {
  it('offers every choice and the demo switch without a policy', () => {
    const html = settingsScreen({ managed: false, demoAllowed: true, autoLockChoices: [...AUTO_LOCK_CHOICES] });
    expect(options(html)).toEqual([...AUTO_LOCK_CHOICES]);
    expect(html).toContain('data-testid="demo"');
    expect(html).not.toContain('managed-note');
  });

  it('limits the auto-lock choices, hides the demo switch and says who decided', () => {
    const html = settingsScreen({ managed: true, demoAllowed: false, autoLockChoices: [1, 5, 15, 30] });
    expect(options(html)).toEqual([1, 5, 15, 30]);
    expect(html).toMatch(/aria-describedby="auto-lock-managed"/);
    expect(html).toContain('Géré par votre organisation.');
    expect(html).not.toContain('data-testid="demo"');
    expect(html).toContain('Mode de démonstration désactivé par votre organisation.');
    expect(settingsScreen({ managed: true, demoAllowed: false, autoLockChoices: [1] }, 'en')).toContain('Managed by your organisation.');
  });
});

describe('filling settings', () => {
  it('offers « Remplir automatiquement », off by default, when the organisation says nothing', () => {
    const html = settingsScreen({ managed: false, demoAllowed: true, autoLockChoices: [...AUTO_LOCK_CHOICES] });
    expect(html).toContain('Remplir automatiquement à l’ouverture de la page');
    expect(html).toMatch(/<input id="auto-fill"[^>]*type="checkbox"/);
    expect(html).not.toMatch(/<input id="auto-fill"[^>]*checked/);
    expect(html).not.toMatch(/<input id="auto-fill"[^>]*disabled/);
    expect(settingsScreen({ managed: false, demoAllowed: true, autoLockChoices: [15] }, 'en', true)).toMatch(/<input id="auto-fill"[^>]*checked[^>]*>/);
  });

  it('shows the policy’s choice locked, or that filling is off', () => {
    const forced = settingsScreen({ managed: true, demoAllowed: true, autoLockChoices: [15], autoFillManaged: true }, 'fr', true);
    expect(forced).toMatch(/<input id="auto-fill"[^>]*checked[^>]*disabled/);
    expect(forced).toContain('data-testid="auto-fill-managed"');
    const off = settingsScreen({ managed: true, demoAllowed: true, autoLockChoices: [15], fillEnabled: false }, 'en');
    expect(off).not.toContain('id="auto-fill"');
    expect(off).toContain('Filling codes is turned off by your organisation');
  });
});

describe('add screen', () => {
  it('pre-fills the organisation’s server URL', () => {
    const url = 'https://jeton.sante.example/aotp/v1/provision?profile=teleacces';
    expect(render(<AddAccount d={dict('fr')} defaultServerUrl={url} onDone={noop} onBack={noop} />)).toContain(`value="${url.replace('&', '&amp;')}"`);
    expect(render(<AddAccount d={dict('fr')} onDone={noop} onBack={noop} />)).not.toContain('value="https:');
  });
});
