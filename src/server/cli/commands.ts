/**
 * The admin CLI's commands as a function of (argv, io, context), so tests run
 * them in-process and `main.ts` only wires the real process to them.
 * Exit codes: 0 done, 1 not done (unknown user, duplicate, failed lines…),
 * 2 usage error, 3 configuration or database unavailable.
 */
import { cleanLabel } from '../text.ts';
import { DECOY_MESSAGES, DECOY_QUESTIONS, IMAGE_CATALOGUE } from '../web/decoy.ts';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatActivationCode } from '../../core/activation-code.ts';
import { plural } from '../../core/dates.ts';
import type { AppContext } from '../context.ts';
import { formatDateTime } from '../i18n.ts';
import { purge } from '../jobs/purge.ts';
import { sendDueReminders } from '../jobs/reminders.ts';
import { issueAndMailActivation } from '../mail/activation.ts';
import { UnknownProfileError } from '../store/activations.ts';
import { createApiKey, DuplicateApiKeyNameError, listApiKeys, revokeApiKeyBy } from '../store/api-keys.ts';
import { keyFile, nextKeyFile, promoteNextKey, resealAll } from '../store/key-rotation.ts';
import { MasterKey, writeKeyFile } from '../secrets.ts';
import { createUser, findUser, importUsersCsv, listTokens, revokeUserToken, unlockUser, UserInputError } from '../store/users.ts';

/** « 2 tokens », « 1 token »: a count and its English word (the CLI speaks English). */
const n = (count: number, one: string, other: string): string => `${count} ${plural('en', count, one, other)}`;

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): Uint8Array;
}

export interface CliDeps {
  /** Opens the context (database, master key, mailer) only for commands that need it. */
  context(): Promise<AppContext & { close(): Promise<void> }>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;
type Result = { code: number; json: Record<string, unknown>; lines: string[] };

class UsageError extends Error {}
class FailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Command {
  usage: string;
  summary: string;
  options: Options;
  required?: string[];
  positionals?: string[];
  run(ctx: AppContext, values: Values, positionals: string[], io: CliIO): Promise<Result>;
}

const str = { type: 'string' } as const;

/**
 * `--id -50ox…`: IDs are base64url and may begin with "-", which parseArgs
 * takes for an option and refuses as ambiguous. The argument after a string
 * option is its value unless it is one of the command's own options, so it is
 * handed over as `--id=-50ox…`.
 */
function joinValues(args: string[], options: Options): string[] {
  const own = (arg: string | undefined): boolean => arg !== undefined && arg.startsWith('--') && Object.hasOwn(options, arg.slice(2).split('=')[0]!);
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (options[name]?.type === 'string' && i + 1 < args.length && !own(args[i + 1])) joined.push(`${arg}=${args[++i]}`);
    else joined.push(arg);
  }
  return joined;
}
const ok = (json: Record<string, unknown>, lines: string[]): Result => ({ code: EXIT.ok, json: { ok: true, ...json }, lines });
const s = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

function intOption(name: string, value: string | boolean | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** `--question N`: the catalogue's Nth question; any other text is taken as is. */
function catalogueQuestion(value: string): string {
  if (!/^\d{1,3}$/.test(value.trim())) return value;
  const question = DECOY_QUESTIONS[Number(value) - 1];
  if (question === undefined) throw new UsageError(`--question must be a catalogue number from 1 to ${DECOY_QUESTIONS.length} (see question list), or a question.`);
  return question;
}

/** What makes a user stand out from the portal's decoys, said to the administrator. */
function customWarnings({ question, message, uploaded }: { question: string; message: string; uploaded: boolean }): string[] {
  const warnings: string[] = [];
  const inCatalogue = (list: readonly string[], text: string): boolean => list.includes(text.normalize('NFC').trim());
  if (!/^\d{1,3}$/.test(question.trim()) && !inCatalogue(DECOY_QUESTIONS, question)) {
    warnings.push('the question is not from the catalogue (question list): on the portal it shows that this username exists.');
  }
  if (message.trim() !== '' && !inCatalogue(DECOY_MESSAGES, message)) warnings.push('the message is not from the catalogue: on the portal it shows that this username exists.');
  if (uploaded) warnings.push('an uploaded image is not from the catalogue (image list): on the portal it shows that this username exists.');
  return warnings;
}

const COMMANDS: Record<string, Command> = {
  'question list': {
    usage: 'question list',
    summary: 'The catalogue of security questions (for user add --question N); the portal\'s decoys use the same.',
    options: {},
    async run() {
      return ok({ questions: DECOY_QUESTIONS.map((text, i) => ({ number: i + 1, text })) }, DECOY_QUESTIONS.map((text, i) => `${String(i + 1).padStart(2)}  ${text}`));
    },
  },
  'image list': {
    usage: 'image list',
    summary: 'The catalogue of personal images (for user add --image N), drawn in the terminal; the portal\'s decoys use the same.',
    options: {},
    async run() {
      const lines = IMAGE_CATALOGUE.flatMap((p, i) => [`${String(i + 1).padStart(2)}  hue ${p.hue}`, ...p.cells.map((row) => `    ${row.map((on) => (on ? '██' : '··')).join('')}`)]);
      return ok({ images: IMAGE_CATALOGUE.map((p, i) => ({ number: i + 1, hue: p.hue, cells: p.cells })) }, lines);
    },
  },
  'user add': {
    usage: 'user add --username U --email E --question N|TEXT --answer A [--message M] [--image N|FILE] [--password P]',
    summary:
      'Create a user with a security question (answer hashed), a personal message and image, and a password for /login. --question N and --image N pick from the catalogues (question list, image list), which the portal\'s decoys use too; custom text or an uploaded image works but makes the user recognisable (a warning says so).',
    options: { username: str, email: str, question: str, answer: str, message: str, image: str, password: str },
    required: ['username', 'email', 'question', 'answer'],
    async run(ctx, v, _p, io) {
      let image: { type: string; data: Uint8Array } | { catalogue: number } | undefined;
      if (typeof v.image === 'string' && /^\d{1,3}$/.test(v.image)) image = { catalogue: Number(v.image) };
      else if (typeof v.image === 'string') {
        try {
          image = { type: '', data: io.readFile(v.image) };
        } catch (err) {
          throw new FailedError('image_unreadable', `Cannot read ${v.image}: ${(err as Error).message}`);
        }
      }
      const question = catalogueQuestion(s(v.question));
      const warnings = customWarnings({ question: s(v.question), message: typeof v.message === 'string' ? v.message : '', uploaded: image !== undefined && !('catalogue' in image) });
      const user = await createUser(ctx, {
        username: s(v.username),
        email: s(v.email),
        questions: [{ question, answer: s(v.answer) }],
        message: typeof v.message === 'string' ? v.message : undefined,
        password: typeof v.password === 'string' ? v.password : undefined,
        image,
      });
      for (const w of warnings) io.err(`Warning: ${w}`);
      return ok({ username: user.username, id: user.id, warnings }, [`User ${user.username} created.`]);
    },
  },
  'user import': {
    usage: 'user import FILE.csv',
    summary: 'Import users from CSV with the header username,email,question,answer,message,password. Bad lines are reported and skipped.',
    options: {},
    positionals: ['FILE'],
    async run(ctx, _v, [file = ''], io) {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(io.readFile(file));
      } catch (err) {
        throw new FailedError('file_unreadable', `Cannot read ${file} as UTF-8 text: ${(err as Error).message}`);
      }
      const report = await importUsersCsv(ctx, text);
      if (report.customQuestions.length > 0) {
        const n = report.customQuestions.length;
        io.err(`Warning: ${n} imported ${n === 1 ? 'user has' : 'users have'} a question not from the catalogue (question list): on the portal it shows that these usernames exist: ${report.customQuestions.join(', ')}.`);
      }
      const lines = [
        `${n(report.imported.length, 'user', 'users')} imported${report.imported.length ? `: ${report.imported.join(', ')}` : ''}.`,
        ...report.errors.map((e) => `line ${e.line}${e.username ? ` (${e.username})` : ''}: ${e.error}`),
      ];
      const failed = report.errors.length > 0;
      return {
        code: failed ? EXIT.failed : EXIT.ok,
        json: { ok: !failed, imported: report.imported.length, users: report.imported, errors: report.errors, customQuestions: report.customQuestions },
        lines,
      };
    },
  },
  'user unlock': {
    usage: 'user unlock --username U',
    summary: 'Lift the login-code lockout and the portal identity lockout of a user.',
    options: { username: str },
    required: ['username'],
    async run(ctx, v) {
      if (!(await unlockUser(ctx, s(v.username)))) throw new FailedError('unknown_user', `No user ${s(v.username)}.`);
      const username = (await findUser(ctx, s(v.username)))!.username;
      return ok({ username }, [`User ${username} unlocked.`]);
    },
  },
  'activation issue': {
    usage: 'activation issue --username U [--profile P]',
    summary: 'Issue an activation code (valid per the profile, 72 h by default), print it and e-mail it to the user.',
    options: { username: str, profile: str },
    required: ['username'],
    async run(ctx, v) {
      const user = await findUser(ctx, s(v.username));
      if (!user) throw new FailedError('unknown_user', `No user ${s(v.username)}.`);
      const profile = typeof v.profile === 'string' ? v.profile : ctx.config.defaultProfile;
      if (!ctx.config.profiles[profile]) throw new FailedError('unknown_profile', `No profile ${profile}; known: ${Object.keys(ctx.config.profiles).join(', ')}.`);
      const a = await issueAndMailActivation(ctx, user, profile, { via: 'cli' });
      const expiresAt = new Date(a.expiresAt).toISOString();
      return ok(
        { username: a.userId, profile, code: a.code, serverUrl: a.serverUrl, link: a.link, expiresAt, mailed: a.mailed, ...(a.mailError ? { mailError: a.mailError } : {}) },
        [
          `Activation for ${a.userId} (profile ${profile}):`,
          `  Server URL:      ${a.serverUrl}`,
          `  Username:        ${a.userId}`,
          `  Activation code: ${formatActivationCode(a.code)}`,
          `  Link:            ${a.link}`,
          `  Valid until:     ${formatDateTime('en', a.expiresAt)} (${expiresAt})`,
          a.mailed ? `E-mail sent to ${user.email}.` : `E-mail NOT sent (${a.mailError ?? 'unknown error'}); give the code by another channel.`,
        ],
      );
    },
  },
  'apikey create': {
    usage: 'apikey create --name N',
    summary: 'Create an API key for a site that calls /aotp/v1/verify. The key is printed once; only its hash is kept.',
    options: { name: str },
    required: ['name'],
    async run(ctx, v) {
      const name = s(v.name).trim();
      if (!/^[\w .@-]{1,64}$/.test(name)) throw new UsageError('--name must be 1 to 64 letters, digits, spaces or . _ @ -');
      const { key } = await createApiKey(ctx, name);
      return ok({ name, key }, [`API key "${name}" (shown once, store it now):`, key]);
    },
  },
  'apikey list': {
    usage: 'apikey list',
    summary: 'List the API keys (id, name, created, revoked); keys themselves are never shown again.',
    options: {},
    async run(ctx) {
      const keys = await listApiKeys(ctx);
      const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
      const lines = keys.length
        ? [['ID', 'NAME', 'CREATED', 'REVOKED'].join('\t'), ...keys.map((k) => [String(k.id), k.name, iso(k.createdAt), iso(k.revokedAt)].join('\t'))]
        : ['No API key.'];
      return ok({ keys: keys.map((k) => ({ ...k, createdAt: iso(k.createdAt), revokedAt: k.revokedAt === null ? null : iso(k.revokedAt) })) }, lines);
    },
  },
  'apikey revoke': {
    usage: 'apikey revoke (--name N | --id ID)',
    summary: 'Revoke an API key: the site using it is refused within 5 seconds.',
    options: { name: str, id: str },
    async run(ctx, v) {
      const byName = typeof v.name === 'string';
      if (byName === (typeof v.id === 'string')) throw new UsageError('Give exactly one of --name and --id.');
      const id = byName ? undefined : intOption('id', v.id, 1, Number.MAX_SAFE_INTEGER);
      const revoked = await revokeApiKeyBy(ctx, byName ? { name: s(v.name).trim() } : { id: id! });
      if (!revoked) throw new FailedError('unknown_apikey', `No live API key ${byName ? `named "${s(v.name).trim()}"` : `with id ${v.id}`}.`);
      return ok({ id: revoked.id, name: revoked.name }, [`API key "${revoked.name}" (id ${revoked.id}) revoked.`]);
    },
  },
  'token list': {
    usage: 'token list [--username U] [--expiring-days N]',
    summary: 'List tokens with device, state and expiry; --expiring-days N keeps active tokens expiring within N days (expired ones too).',
    options: { username: str, 'expiring-days': str },
    async run(ctx, v) {
      const expiringDays = intOption('expiring-days', v['expiring-days'], 0, 3650);
      const tokens = await listTokens(ctx, { username: typeof v.username === 'string' ? v.username : undefined, expiringDays });
      const rows = tokens.map((t) => ({
        id: t.id,
        username: t.username,
        profile: t.profile,
        device: t.deviceName,
        state: t.state,
        issuedAt: new Date(t.issuedAt).toISOString(),
        expiresAt: new Date(t.expiresAt).toISOString(),
        daysLeft: t.daysLeft,
      }));
      const lines = rows.length
        ? [
            ['ID', 'USER', 'DEVICE', 'STATE', 'EXPIRES', 'DAYS LEFT'].join('\t'),
            // Rows stored before names were cleaned on the way in are cleaned on the way out: nothing raw reaches the terminal.
            ...rows.map((r) => [r.id, r.username, cleanLabel(r.device, 64) || '-', r.state, r.expiresAt.slice(0, 10), String(r.daysLeft)].join('\t')),
          ]
        : ['No token.'];
      return ok({ tokens: rows }, lines);
    },
  },
  'token revoke': {
    usage: 'token revoke --id ID',
    summary: 'Revoke a pending or active token: it stops working at once.',
    options: { id: str },
    required: ['id'],
    async run(ctx, v) {
      const revoked = await revokeUserToken(ctx, s(v.id), { via: 'cli' });
      if (!revoked) throw new FailedError('unknown_token', `No pending or active token ${s(v.id)}.`);
      return ok({ id: s(v.id), username: revoked.username, device: revoked.deviceName }, [`Token ${s(v.id)} of ${revoked.username} (${cleanLabel(revoked.deviceName, 64) || 'no device name'}) revoked.`]);
    },
  },
  remind: {
    usage: 'remind',
    summary: 'Send the expiry reminders that are due (the server also does it hourly). Safe to run any time.',
    options: {},
    async run(ctx) {
      const r = await sendDueReminders(ctx);
      const lines = [
        `${n(r.sent.length, 'reminder', 'reminders')} sent.`,
        ...r.sent.map((x) => `  ${x.username} token ${x.tokenId}: ${x.days === 0 ? 'expired' : n(x.days, 'day', 'days')}`),
        ...r.failed.map((x) => `  FAILED ${x.username} token ${x.tokenId}: ${x.error}`),
      ];
      return { code: r.failed.length ? EXIT.failed : EXIT.ok, json: { ok: r.failed.length === 0, sent: r.sent.length, failed: r.failed.length, reminders: r.sent, failures: r.failed }, lines };
    },
  },
  'key rotate': {
    usage: 'key rotate [--new-key KEY]',
    summary:
      'Re-seal every seed, K_status and activation key under a new master key, in one transaction. Stop the servers first. With JETON_MASTER_KEY set, prints the new key to put in place of it; otherwise replaces the data directory\'s master.key.',
    options: { 'new-key': str },
    async run(ctx, v) {
      let next: MasterKey;
      try {
        next = typeof v['new-key'] === 'string' ? MasterKey.fromText(v['new-key']) : MasterKey.generate();
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const fromEnv = ctx.config.masterKey !== undefined;
      // The key file's successor is on disk before the commit, so a crash in between is settled at the next start.
      if (!fromEnv) writeKeyFile(nextKeyFile(ctx.config.dataDir), next);
      const counts = await resealAll(ctx.db, ctx.masterKey, next);
      if (!fromEnv) promoteNextKey(ctx.config.dataDir);
      const summary = `Re-sealed ${n(counts.tokens, 'token', 'tokens')} and ${n(counts.activations, 'activation key', 'activation keys')}.`;
      return fromEnv
        ? ok({ ...counts, newKey: next.toText() }, [summary, 'Set JETON_MASTER_KEY to this value on every instance, then start them:', next.toText()])
        : ok({ ...counts, keyFile: keyFile(ctx.config.dataDir) }, [summary, `The new key is in ${keyFile(ctx.config.dataDir)}.`]);
    },
  },
  purge: {
    usage: 'purge',
    summary: 'Erase expired activation keys, stale pending tokens, ended portal sessions and run-out locks (the server also does it hourly).',
    options: {},
    async run(ctx) {
      const r = await purge(ctx);
      return ok({ ...r }, [
        `Purged: ${n(r.activations, 'activation key', 'activation keys')}, ${n(r.pendingTokens, 'pending token', 'pending tokens')}, ${n(r.sessions, 'session', 'sessions')}, ${n(r.identityLocks, 'identity lock', 'identity locks')}.`,
      ]);
    },
  },
};

function helpText(): string {
  const lines = [
    'Jeton admin CLI',
    '',
    'Usage: npm run admin -- <command> [options] [--json]',
    '',
    'Commands:',
    ...Object.values(COMMANDS).flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    'Every command takes --json: one JSON object on the last line of the output, {"ok": true|false, …}.',
    'Exit codes: 0 done, 1 not done (see the message), 2 usage error, 3 configuration or database unavailable.',
    'Configuration comes from the environment (DATABASE_URL, JETON_DATA_DIR, JETON_CONFIG, SMTP_URL, JETON_MASTER_KEY…): see README.md.',
  ];
  return lines.join('\n');
}

/** Finds the command named by the leading words of argv: "user add", "remind"… */
function findCommand(argv: string[]): { name: string; rest: string[] } | null {
  const [first = '', second = ''] = argv;
  if (COMMANDS[first]) return { name: first, rest: argv.slice(1) };
  const two = `${first} ${second}`;
  if (COMMANDS[two]) return { name: two, rest: argv.slice(2) };
  return null;
}

/** Runs one command; returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIO, deps: CliDeps): Promise<number> {
  const json = argv.includes('--json');
  const fail = (code: number, error: string, message: string): number => {
    io.err(message);
    if (json) io.out(JSON.stringify({ ok: false, error, message }));
    return code;
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(argv.filter((a) => a !== '--json'));
  if (!found) return fail(EXIT.usage, 'usage', `Unknown command: ${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}. See --help.`);
  const command = COMMANDS[found.name]!;
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.out(`Usage: npm run admin -- ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }

  let values: Values;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: joinValues(found.rest, command.options), options: command.options, allowPositionals: true, strict: true });
    values = parsed.values as Values;
    positionals = parsed.positionals;
    const expected = command.positionals ?? [];
    if (positionals.length !== expected.length) throw new UsageError(`Expected ${expected.length ? expected.join(' ') : 'no argument'}; got ${positionals.length}.`);
    for (const name of command.required ?? []) {
      if (typeof values[name] !== 'string' || values[name] === '') throw new UsageError(`--${name} is required.`);
    }
  } catch (err) {
    return fail(EXIT.usage, 'usage', `${(err as Error).message}\nUsage: npm run admin -- ${command.usage}`);
  }

  let ctx: AppContext & { close(): Promise<void> };
  try {
    ctx = await deps.context();
  } catch (err) {
    return fail(EXIT.unavailable, 'unavailable', `Cannot start: ${(err as Error).message}`);
  }
  try {
    const result = await command.run(ctx, values, positionals, io);
    if (json) io.out(JSON.stringify(result.json));
    else for (const line of result.lines) io.out(line);
    return result.code;
  } catch (err) {
    if (err instanceof UsageError) return fail(EXIT.usage, 'usage', `${err.message}\nUsage: npm run admin -- ${command.usage}`);
    if (err instanceof FailedError) return fail(EXIT.failed, err.code, err.message);
    if (err instanceof UserInputError) return fail(EXIT.failed, `invalid_${err.field}`, err.message);
    if (err instanceof DuplicateApiKeyNameError) return fail(EXIT.failed, 'duplicate_name', err.message);
    if (err instanceof UnknownProfileError) return fail(EXIT.failed, 'unknown_profile', err.message);
    return fail(EXIT.failed, 'error', `Failed: ${(err as Error).message}`);
  } finally {
    await ctx.close();
  }
}
