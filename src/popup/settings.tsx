/**
 * The settings screen: language, auto-lock delay, filling on page open, demo mode, removing a token
 * (with confirmation). What the organisation's policy decides is limited here
 * and says so ("managed by your organisation").
 */
import { useState } from 'preact/hooks';
import { AUTO_LOCK_CHOICES, type AccountView, type Language, type PolicyView, type Settings } from '../core/messages.ts';
import { Backup } from './backup.tsx';
import { Confirm } from './feedback.tsx';
import type { Dict } from './i18n.ts';

interface Props {
  d: Dict;
  settings: Settings;
  demo: boolean;
  policy: PolicyView;
  accounts: AccountView[];
  onSettings: (change: Partial<Settings>) => void;
  onDemo: (enabled: boolean) => void;
  onRemove: (id: string) => Promise<void>;
  onImported: () => void;
}

/** The settings screen. */
export function SettingsScreen({ d, settings, demo, policy, accounts, onSettings, onDemo, onRemove, onImported }: Props) {
  const [removing, setRemoving] = useState<string | null>(null);
  const target = accounts.find((a) => a.id === removing);
  const lockLimited = policy.autoLockChoices.length < AUTO_LOCK_CHOICES.length;

  return (
    <div class="screen settings">
      <div class="field">
        <label for="language">{d.language}</label>
        <select id="language" data-testid="language" value={settings.language} onChange={(e) => onSettings({ language: e.currentTarget.value as Language })}>
          <option value="browser">{d.languageBrowser}</option>
          <option value="fr" lang="fr">
            Français
          </option>
          <option value="en" lang="en">
            English
          </option>
        </select>
      </div>
      <div class="field">
        <label for="auto-lock">{d.autoLock}</label>
        <select
          id="auto-lock"
          data-testid="auto-lock"
          aria-describedby={lockLimited ? 'auto-lock-managed' : undefined}
          value={String(settings.autoLockMinutes)}
          onChange={(e) => onSettings({ autoLockMinutes: Number(e.currentTarget.value) as Settings['autoLockMinutes'] })}
        >
          {policy.autoLockChoices.map((m) => (
            <option key={m} value={String(m)}>
              {m === 0 ? d.autoLockNever : d.autoLockAfter(m)}
            </option>
          ))}
        </select>
        {lockLimited ? (
          <small id="auto-lock-managed" class="managed" data-testid="managed-note">
            {d.managed}
          </small>
        ) : null}
      </div>
      {policy.fillEnabled ? (
        <div class="field checkbox">
          <input
            id="auto-fill"
            data-testid="auto-fill"
            type="checkbox"
            checked={settings.autoFill}
            disabled={policy.autoFillManaged}
            aria-describedby={policy.autoFillManaged ? 'auto-fill-hint auto-fill-managed' : 'auto-fill-hint'}
            onChange={(e) => onSettings({ autoFill: e.currentTarget.checked })}
          />
          <label for="auto-fill">{d.autoFill}</label>
          <small id="auto-fill-hint">{d.autoFillHint}</small>
          {policy.autoFillManaged ? (
            <small id="auto-fill-managed" class="managed" data-testid="auto-fill-managed">
              {d.managed}
            </small>
          ) : null}
        </div>
      ) : (
        <p class="managed" data-testid="fill-managed">
          {d.fillOff}
        </p>
      )}
      {policy.demoAllowed ? (
        <div class="field checkbox">
          <input id="demo" data-testid="demo" type="checkbox" checked={demo} aria-describedby="demo-hint" onChange={(e) => onDemo(e.currentTarget.checked)} />
          <label for="demo">{d.demoMode}</label>
          <small id="demo-hint">{d.demoHint}</small>
        </div>
      ) : (
        <p class="managed" data-testid="demo-managed">
          {d.demoOff}
        </p>
      )}
      <h2>{d.tokens}</h2>
      {accounts.length === 0 ? <p>{d.noTokens}</p> : null}
      <ul class="remove-list">
        {accounts.map((a) => (
          <li key={a.id}>
            <span>
              {a.issuer} — {a.userId}
              {a.demo ? ` (${d.demo})` : ''}
            </span>
            <button type="button" class="danger" data-testid="remove" data-account-id={a.id} aria-label={d.removeLabel(a.userId, a.issuer)} onClick={() => setRemoving(a.id)}>
              {d.remove}
            </button>
          </li>
        ))}
      </ul>
      {target ? (
        <Confirm
          id="remove-question"
          testIds={['remove-cancel', 'remove-confirm']}
          question={d.removeQuestion(target.userId)}
          keep={d.removeCancel}
          confirm={d.removeConfirm}
          onKeep={() => setRemoving(null)}
          onConfirm={() => void onRemove(target.id).then(() => setRemoving(null))}
        />
      ) : null}
      <Backup d={d} canExport={accounts.some((a) => a.exportable)} onImported={onImported} />
    </div>
  );
}

