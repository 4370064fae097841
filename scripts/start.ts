/**
 * `npm start` (after `npm run build`): the server on embedded defaults —
 * SQLite in ./data, mail as .eml files in ./data/outbox, a generated master
 * key — with a demo user, and a note of where everything is.
 * The environment variables of README.md still apply.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createContext } from '../src/server/bootstrap.ts';
import { loadConfig, sqliteFile } from '../src/server/config.ts';
import { DEMO_USER, ensureDemoUser } from '../src/server/demo.ts';
import { serve } from '../src/server/serve.ts';

const config = loadConfig();
const ctx = await createContext(config, (msg) => console.warn(`note: ${msg}`));
const { created } = await ensureDemoUser(ctx);
await serve(ctx, process.env.LOG_LEVEL ?? 'warn');

const dist = (name: string): string => {
  const dir = resolve('dist', name);
  return existsSync(dir) ? dir : `${dir}   (not built: run npm run build)`;
};
const lines = [
  '',
  'Jeton is running.',
  '',
  `  Portal (get a token):  ${config.publicUrl}/virtuel`,
  `  Sample login page:     ${config.publicUrl}/login`,
  '',
  `  Demo user${created ? ' (just created)' : ''}:`,
  `    username:           ${DEMO_USER.username}`,
  `    password (/login):  ${DEMO_USER.password}`,
  `    security question:  ${DEMO_USER.question}`,
  `    answer:             ${DEMO_USER.answer}`,
  `    personal message:   ${DEMO_USER.message}`,
  '',
  '  The browser extension (load it unpacked):',
  `    Chrome / Edge:  ${dist('chrome')}`,
  '                    chrome://extensions → Developer mode → Load unpacked',
  `    Firefox:        ${dist('firefox')}`,
  '                    about:debugging#/runtime/this-firefox → Load Temporary Add-on → manifest.json',
  '',
  `  Database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `SQLite, ${sqliteFile(config)}`}`,
  `  Mail:     ${config.smtpUrl ? 'SMTP (SMTP_URL)' : `.eml files in ${resolve(config.dataDir, 'outbox')} (the activation code arrives there)`}`,
  '',
  '  Stop with Ctrl+C.',
  '',
];
console.info(lines.join('\n'));
