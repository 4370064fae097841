/**
 * `npm run build`: the Chrome/Edge and Firefox builds of the extension, each
 * zipped for its store (dist/jeton-chrome.zip, dist/jeton-firefox.zip).
 * `npm run build:e2e` (JETON_E2E=1): dist/e2e-chrome and dist/e2e-firefox,
 * with the loopback hosts the end-to-end tests need, not zipped.
 * Login hosts: JETON_LOGIN_HOSTS (see scripts/build-manifest.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { build } from 'vite';
import { zipDirectory } from './zip.ts';

const e2e = process.env.JETON_E2E === '1';

for (const browser of ['chrome', 'firefox'] as const) {
  // vite.config.ts decides everything from the mode and the environment.
  await build({ mode: browser === 'firefox' ? 'firefox' : 'production', logLevel: 'warn' });
  const dir = `dist/${e2e ? 'e2e-' : ''}${browser}`;
  const manifest = JSON.parse(await readFile(`${dir}/manifest.json`, 'utf8')) as { host_permissions?: string[] };
  let line = `${dir}: hosts ${(manifest.host_permissions ?? []).join(' ')}`;
  if (!e2e) {
    const zip = `dist/jeton-${browser}.zip`;
    await zipDirectory(dir, zip);
    line += `; ${zip} ${((await stat(zip)).size / 1024).toFixed(1)} KB`;
  }
  console.info(line);
}
