/** `npm run admin -- <command>`: the admin CLI on the configured database (see commands.ts). */
import { readFileSync } from 'node:fs';
import { createContext } from '../bootstrap.ts';
import { loadConfig } from '../config.ts';
import { runCli } from './commands.ts';

const code = await runCli(
  process.argv.slice(2),
  {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    readFile: (path) => readFileSync(path),
  },
  // Warnings (generated master key, outbox mail) go to stderr, so stdout stays parseable.
  { context: () => createContext(loadConfig(), (msg) => void process.stderr.write(`${msg}\n`)) },
);
// Exit once stdout is flushed: an idle SMTP or database socket must not keep a script waiting.
process.stdout.write('', () => process.exit(code));
