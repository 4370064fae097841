/** Refuses to start when a prerequisite is missing, saying which and how to get it. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, EXTENSION_DIR, popupPath } from './chromium.ts';

export default function globalSetup(): void {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(`Chromium is missing at ${CHROMIUM} (Debian: apt-get install chromium; or set JETON_CHROMIUM).`);
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) missing.push(`The test build of the extension is missing at ${EXTENSION_DIR} (run npm run build:e2e).`);
  else popupPath();
  if (missing.length > 0) throw new Error(`End-to-end tests cannot run:\n- ${missing.join('\n- ')}`);
}
