/**
 * Encrypted backup, in the settings: export the tokens whose profile allows
 * it (a file sealed with a password), import such a file. PIN tokens stay
 * PIN-protected inside.
 */
import { useState } from 'preact/hooks';
import { ErrorLine, NoticeLine, toUiError, type UiError } from './feedback.tsx';
import type { Dict } from './i18n.ts';
import { send } from './send.ts';

interface Props {
  d: Dict;
  canExport: boolean;
  onImported: () => void;
}

/** The backup section of the settings. */
export function Backup({ d, canExport, onImported }: Props) {
  const [password, setPassword] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await work());
    } catch (err) {
      setError(toUiError(err));
    } finally {
      setBusy(false);
    }
  };

  const exportFile = () =>
    run(async () => {
      const { file: text, count } = await send('backup.export', { password });
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `jeton-${new Date().toISOString().slice(0, 10)}.jeton-backup.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return d.backupExported(count);
    });

  const importFile = () =>
    run(async () => {
      if (!file) throw Object.assign(new Error('no file'), { code: 'backup_invalid' });
      const { added, refused } = await send('backup.import', { file: await file.text(), password });
      onImported();
      return refused > 0 ? `${d.backupImported(added)} ${d.backupRefused(refused)}` : d.backupImported(added);
    });

  return (
    <section class="backup" aria-labelledby="backup-title">
      <h2 id="backup-title">{d.backup}</h2>
      <p class="hint">{d.backupHint}</p>
      <div class="field">
        <label for="backup-password">{d.backupPassword}</label>
        <input id="backup-password" data-testid="backup-password" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="backup-file">{d.backupFile}</label>
        <input id="backup-file" data-testid="backup-file" type="file" accept=".json,application/json" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
      </div>
      <ErrorLine error={error} d={d} />
      <NoticeLine notice={notice} />
      <div class="actions">
        <button type="button" class="secondary" data-testid="backup-import" disabled={busy || !file || !password} onClick={() => void importFile()}>
          {d.backupImport}
        </button>
        {canExport ? (
          <button type="button" class="secondary" data-testid="backup-export" disabled={busy || !password} onClick={() => void exportFile()}>
            {d.backupExport}
          </button>
        ) : null}
      </div>
    </section>
  );
}
