/**
 * The real Jeton server for the journeys: its own process on a free loopback
 * port, a throw-away data directory (SQLite), and a real local SMTP server
 * that keeps every message it receives. Nothing here leaves loopback.
 * Used by the Playwright fixtures and by the Firefox script alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../src/testing/server/processes.ts';
import { parseMail, type ParsedMail } from './mail.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ReceivedMail extends ParsedMail {
  /** Envelope recipients, as the SMTP client gave them. */
  rcptTo: string[];
  raw: string;
}

/** What the local SMTP server received, with a way to wait for a message. */
class Mailbox {
  readonly messages: ReceivedMail[] = [];
  private waiters: Array<() => void> = [];

  push(mail: ReceivedMail): void {
    this.messages.push(mail);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The first message to `address` (case-insensitive) matching `filter`, waiting up to `timeoutMs`. */
  async waitFor(address: string, filter: (m: ReceivedMail) => boolean = () => true, timeoutMs = 15_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    const wanted = address.toLowerCase();
    for (;;) {
      const found = this.messages.find((m) => m.rcptTo.some((r) => r.toLowerCase() === wanted) && filter(m));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.messages.map((m) => `${m.rcptTo.join(',')}: ${m.subject}`).join('; ') || 'none';
        throw new Error(`No mail to ${address} within ${timeoutMs} ms (received: ${seen}).`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

async function startSmtp(mailbox: Mailbox): Promise<{ port: number; close: () => Promise<void> }> {
  const port = await freePort();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        mailbox.push({ ...parseMail(raw), rcptTo, raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface TestUser {
  username: string;
  email: string;
  password: string;
  question: string;
  answer: string;
}

interface IssuedActivation {
  code: string;
  serverUrl: string;
  link: string;
  expiresAt: string | number;
}

interface AuditRow {
  event: string;
  username: string | null;
  detail: string;
}

export interface JetonServer {
  /** The public origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  dataDir: string;
  mailbox: Mailbox;
  /** Runs the admin CLI with this server's environment; returns the JSON of its last line. */
  admin(args: string[]): Promise<Record<string, unknown>>;
  /** A fresh user with a password (for `/login`) and one security question. */
  createUser(prefix?: string): Promise<TestUser>;
  /** `activation issue` through the admin CLI (also mails it). */
  issueActivation(username: string): Promise<IssuedActivation>;
  /** Runs a read or write on the server's SQLite file (see expireActivations). */
  sql<T>(fn: (db: Database.Database) => T): T;
  audit(username?: string): AuditRow[];
  /** The server's output so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A profiles file (`JETON_CONFIG`) content; the default profile `teleacces` when absent. */
  config?: unknown;
}

let userCounter = 0;

class PortTakenError extends Error {}

/**
 * Waits for this child's own "Jeton server ready" log line (src/server/main.ts),
 * not just any answer on the port: between freePort() and listen() another
 * process may take the port.
 */
async function waitUntilUp(child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (output().includes('EADDRINUSE')) throw new PortTakenError(output());
      throw new Error(`The Jeton server exited (${child.exitCode ?? child.signalCode}) while starting:\n${output()}`);
    }
    if (output().includes('Jeton server ready')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The Jeton server did not say it was ready within ${timeoutMs} ms:\n${output()}`);
}

/** Starts SMTP then the server; `stop()` ends both and removes the data directory. */
export async function startJetonServer(options: StartOptions = {}): Promise<JetonServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jeton-e2e-'));
  const mailbox = new Mailbox();
  const smtp = await startSmtp(mailbox);
  const configFile = join(dataDir, 'profiles.json');
  if (options.config !== undefined) writeFileSync(configFile, JSON.stringify(options.config));
  const masterKey = randomBytes(32).toString('base64url');
  const environment = (port: number): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      JETON_PUBLIC_URL: `http://127.0.0.1:${port}`,
      JETON_DATA_DIR: dataDir,
      JETON_MASTER_KEY: masterKey,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      LOG_LEVEL: process.env.JETON_E2E_LOG_LEVEL ?? 'info',
    };
    delete env.DATABASE_URL;
    if (options.config !== undefined) env.JETON_CONFIG = configFile;
    return env;
  };

  let output = '';
  let child: ChildProcess | undefined;
  // If the runner dies, the server must not outlive it.
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      const running = child;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  };

  let env: NodeJS.ProcessEnv = {};
  let url: string;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    env = environment(port);
    url = `http://127.0.0.1:${port}`;
    output = '';
    const started = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    started.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitUntilUp(started, () => output);
      break;
    } catch (err) {
      if (err instanceof PortTakenError && attempt < 3) continue;
      await stop();
      throw err;
    }
  }

  const admin = (args: string[]): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const cli = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli/main.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
      cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
      cli.once('error', reject);
      cli.once('exit', (code) => {
        const last = out.trim().split('\n').pop() ?? '';
        if (code !== 0) return reject(new Error(`admin ${args.join(' ')} exited ${code}:\n${out}\n${err}`));
        try {
          resolve(JSON.parse(last) as Record<string, unknown>);
        } catch {
          reject(new Error(`admin ${args.join(' ')}: the last line is not JSON:\n${out}\n${err}`));
        }
      });
    });

  const sql = <T>(fn: (db: Database.Database) => T): T => {
    // A second connection to the server's own file: SQLite locks make this safe while it runs.
    const db = new Database(join(dataDir, 'jeton.db'), { fileMustExist: true, timeout: 5_000 });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };

  return {
    url,
    dataDir,
    mailbox,
    admin,
    async createUser(prefix = 'agent') {
      userCounter += 1;
      const username = `${prefix}${process.pid}x${userCounter}${randomBytes(2).toString('hex')}`.toLowerCase();
      const user: TestUser = {
        username,
        email: `${username}@jeton.test`,
        password: `mdp-${randomBytes(6).toString('hex')}`,
        question: 'Quel est le nom de votre premier animal ?',
        answer: 'Pistache',
      };
      await admin(['user', 'add', '--username', username, '--email', user.email, '--question', user.question, '--answer', user.answer, '--password', user.password, '--json']);
      return user;
    },
    async issueActivation(username) {
      const json = await admin(['activation', 'issue', '--username', username, '--json']);
      if (typeof json.code !== 'string' || typeof json.link !== 'string' || typeof json.serverUrl !== 'string') {
        throw new Error(`activation issue: unexpected answer ${JSON.stringify(json)}`);
      }
      return { code: json.code, link: json.link, serverUrl: json.serverUrl, expiresAt: json.expiresAt as string | number };
    },
    sql,
    audit(username) {
      return sql((db) => {
        const rows = db.prepare('SELECT event, username, detail FROM audit ORDER BY id').all() as AuditRow[];
        return username === undefined ? rows : rows.filter((r) => r.username === username);
      });
    },
    log: () => output,
    stop,
  };
}
