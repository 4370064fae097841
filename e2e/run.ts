/**
 * `npm run test:e2e`: builds the extension (store and test builds), then runs
 * web-ext lint on the Firefox build, the Chromium journeys and the axe check
 * (Playwright), and the Firefox journey. A missing prerequisite is a failure
 * that says what is missing, never a skip.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './server.ts';

interface Stage {
  name: string;
  run: () => Promise<void>;
}

class StageError extends Error {}

const BIN = join(REPO_ROOT, 'node_modules', '.bin');

/**
 * This run's own copy of the builds and its own Playwright output: another
 * `npm test` in the same checkout rebuilds dist/ (emptying it first) and
 * would otherwise pull the extension from under a running browser.
 */
const RUN_DIR = mkdtempSync(join(tmpdir(), 'jeton-e2e-run-'));
const builds = { chrome: join(RUN_DIR, 'e2e-chrome'), firefox: join(RUN_DIR, 'e2e-firefox'), firefoxStore: join(RUN_DIR, 'firefox') };
const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  JETON_E2E_EXTENSION: builds.chrome,
  JETON_E2E_FIREFOX_EXTENSION: builds.firefox,
  JETON_E2E_OUTPUT: join(RUN_DIR, 'test-results'),
  // web-ext would otherwise ask the npm registry whether it is up to date: loopback only.
  NO_UPDATE_NOTIFIER: '1',
};

function snapshot(from: string, to: string): void {
  const dir = join(REPO_ROOT, from);
  if (!existsSync(join(dir, 'manifest.json'))) throw new StageError(`${dir}/manifest.json is missing after the build.`);
  cpSync(dir, to, { recursive: true });
}

/** Every stage's output, kept with the run's builds when the run fails. */
const LOG = join(RUN_DIR, 'e2e.log');

function run(command: string, args: string[], options: { capture?: boolean } = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      if (options.capture) stdout += d.toString();
      else process.stdout.write(d);
      appendFileSync(LOG, d);
    });
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      appendFileSync(LOG, d);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
  });
}

async function mustSucceed(command: string, args: string[]): Promise<void> {
  const { code } = await run(command, args);
  if (code !== 0) throw new StageError(`${[command, ...args].join(' ')} exited with ${code}.`);
}

const browsers = {
  chromium: process.env.JETON_CHROMIUM ?? '/usr/bin/chromium',
  firefox: process.env.JETON_FIREFOX ?? '/usr/bin/firefox-esr',
};

const packageScripts = (): Record<string, string> =>
  (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};

interface LintMessage {
  code: string;
  message: string;
  file?: string;
}

interface LintReport {
  summary: { errors: number; warnings: number; notices: number };
  errors: LintMessage[];
  warnings: LintMessage[];
}

async function webExtLint(): Promise<void> {
  const dir = builds.firefoxStore;
  const { stdout } = await run(join(BIN, 'web-ext'), ['lint', '--source-dir', dir, '--output', 'json', '--no-config-discovery'], { capture: true });
  let report: LintReport;
  try {
    report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as LintReport;
  } catch {
    throw new StageError(`web-ext lint gave no JSON report:\n${stdout}`);
  }
  const { errors, warnings, notices } = report.summary;
  console.info(`web-ext lint dist/firefox: ${errors} errors, ${warnings} warnings, ${notices} notices`);
  const problems = [...report.errors, ...report.warnings].map((m) => `  ${m.code} ${m.file ?? ''}: ${m.message}`);
  if (errors > 0 || warnings > 0) throw new StageError(`web-ext lint must report 0 errors and 0 warnings:\n${problems.join('\n')}`);
}

const stages: Stage[] = [
  {
    name: 'prerequisites',
    async run() {
      const missing: string[] = [];
      if (!existsSync(browsers.chromium)) missing.push(`Chromium (${browsers.chromium}): apt-get install chromium, or set JETON_CHROMIUM`);
      if (!existsSync(browsers.firefox)) missing.push(`Firefox ESR (${browsers.firefox}): apt-get install firefox-esr, or set JETON_FIREFOX`);
      const scripts = packageScripts();
      for (const script of ['build', 'build:e2e']) if (!scripts[script]) missing.push(`the npm script "${script}" (the extension's builds)`);
      for (const tool of ['playwright', 'web-ext', 'tsx']) if (!existsSync(join(BIN, tool))) missing.push(`${tool} in node_modules (npm ci)`);
      if (missing.length > 0) throw new StageError(`Missing for the end-to-end tests:\n  - ${missing.join('\n  - ')}`);
    },
  },
  {
    name: 'build (dist/chrome, dist/firefox, zips)',
    async run() {
      await mustSucceed('npm', ['run', '--silent', 'build']);
      snapshot('dist/firefox', builds.firefoxStore);
    },
  },
  {
    name: 'build:e2e (dist/e2e-chrome, dist/e2e-firefox)',
    async run() {
      await mustSucceed('npm', ['run', '--silent', 'build:e2e']);
      snapshot('dist/e2e-chrome', builds.chrome);
      snapshot('dist/e2e-firefox', builds.firefox);
    },
  },
  { name: 'web-ext lint dist/firefox', run: webExtLint },
  { name: 'Chromium journeys and axe (Playwright)', run: () => mustSucceed(join(BIN, 'playwright'), ['test']) },
  { name: 'Firefox ESR journey (puppeteer-core, WebDriver BiDi)', run: () => mustSucceed(process.execPath, ['--import', 'tsx', join('e2e', 'firefox', 'journey.ts')]) },
  { name: 'Firefox ESR expiry journeys (puppeteer-core, WebDriver BiDi)', run: () => mustSucceed(process.execPath, ['--import', 'tsx', join('e2e', 'firefox', 'expiry.ts')]) },
  { name: 'Firefox ESR filling on /login (puppeteer-core, WebDriver BiDi)', run: () => mustSucceed(process.execPath, ['--import', 'tsx', join('e2e', 'firefox', 'fill.ts')]) },
];

const blocking = new Set(['prerequisites', stages[1]!.name, stages[2]!.name]);
const results: Array<{ name: string; ok: boolean; ms: number; error?: string }> = [];
const started = Date.now();
for (const stage of stages) {
  console.info(`\n▶ ${stage.name}`);
  appendFileSync(LOG, `\n▶ ${stage.name}\n`);
  const t0 = Date.now();
  try {
    await stage.run();
    results.push({ name: stage.name, ok: true, ms: Date.now() - t0 });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.error(`✗ ${stage.name}: ${error}`);
    results.push({ name: stage.name, ok: false, ms: Date.now() - t0, error });
    if (blocking.has(stage.name)) break;
  }
}

console.info('\nEnd-to-end summary');
for (const r of results) console.info(`  ${r.ok ? '✓' : '✗'} ${r.name} (${(r.ms / 1000).toFixed(1)} s)`);
for (const s of stages.slice(results.length)) console.info(`  – ${s.name}: not run (an earlier stage failed)`);
console.info(`  total ${((Date.now() - started) / 1000).toFixed(1)} s`);
const failed = results.filter((r) => !r.ok);
// A plain closing line for CI: stages that passed, and those that failed or never ran.
console.info(`stages: ${results.length - failed.length} passed, ${stages.length - (results.length - failed.length)} failed`);
if (failed.length > 0 || results.length < stages.length) {
  console.error(`\nEnd-to-end tests FAILED: ${failed.map((r) => r.name).join(', ')}`);
  console.error(`This run's builds, Playwright output and log (e2e.log) are kept in ${RUN_DIR}`);
  process.exit(1);
}
rmSync(RUN_DIR, { recursive: true, force: true });
