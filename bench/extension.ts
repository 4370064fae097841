/**
 * The extension's figures for `npm run bench`:
 * - popup opened → first code visible: median of 20 openings in headless
 *   Chromium of the store build (dist/chrome), measured inside the page from
 *   navigation start (performance.timeOrigin) to the first animation frame
 *   after a `code` element holds digits; beside it, measured the same way and
 *   in turns with it, three bare extensions: a static page holding a code (the
 *   target's reference), a page whose one script writes the code, and one
 *   whose script writes the code its service worker sends (what any popup
 *   asking its background cannot beat); then 10 openings of the popup and of
 *   that last page with their service worker stopped first, as Chromium stops
 *   it after 30 s without use (the usual case for a popup opened a few times
 *   an hour);
 * - gzip size of the popup JS and of the background JS (each file and its
 *   static imports, gzipped one by one as they are stored), and the size of
 *   dist/jeton-chrome.zip.
 * The popup needs a token to show a code: the local demo token (no server,
 * same code path in the background as any unlocked token). Chromium's service
 * worker serves the popup's page with the codes in it (background/popup-page.ts):
 * the figure includes that worker's answer.
 * Filling's figures (content script size, focus → button) come from bench/fill.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchWithExtension, popupPath } from '../e2e/chromium.ts';
import { REPO_ROOT } from '../e2e/server.ts';
import { contentScriptGzipBytes, FILL_TARGETS, measureFocusToButton } from './fill.ts';
import { addSummary } from './summary.ts';

const BUILT = resolve(REPO_ROOT, 'dist', 'chrome');
const ZIP = resolve(REPO_ROOT, 'dist', 'jeton-chrome.zip');
const RUNS = 20;
/** Openings with the service worker stopped first. */
const COLD_RUNS = 10;

// The popup's target is relative to a bare extension page in the same run: the machine sets that floor (about 110 ms here).
const TARGETS = { popupGzipKB: 30, firstCodeVsBare: 1.3 } as const;

interface ExtensionFigures {
  firstCodeMedianMs: number;
  firstCodeRunsMs: number[];
  /** Where the time goes (medians, ms from navigation start). */
  htmlParsedMedianMs: number;
  /** The popup's script started (modules read and evaluated). */
  scriptStartMedianMs: number;
  /** The background's answer arrived (NaN when the page came with its codes). */
  stateMedianMs: number;
  firstRenderMedianMs: number;
  /** The same measure for a bare extension page with a static code: the machine's floor right now. */
  bareFirstCodeMedianMs: number;
  /** A bare page whose one script writes the code: the floor of a page a script draws. */
  bareScriptFirstCodeMedianMs: number;
  /** A bare page whose script writes the code its service worker sends: the floor of a page that asks its background. */
  bareAskingFirstCodeMedianMs: number;
  /** The popup opened with its service worker stopped first (as after 30 s without use). */
  coldFirstCodeMedianMs: number;
  /** The bare page asking its worker, that worker stopped first. */
  coldBareAskingFirstCodeMedianMs: number;
  /** The machine's 1-minute load average during the run (the figures depend on it). */
  loadAverage: number;
  popupJsGzipBytes: number;
  popupJsFiles: string[];
  backgroundJsGzipBytes: number;
  backgroundJsFiles: string[];
  zipBytes: number;
  /** The content script (content/fill.js), gzip. */
  contentJsGzipBytes: number;
  /** Focus on a login page's code field → Jeton's button shown (test build, real token), each run. */
  focusToButtonRunsMs: number[];
}

/** A JS file and every file it imports statically (relative specifiers), paths relative to `root`. */
function jsClosure(root: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    const specifiers = [...source.matchAll(/(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]*?from\s*)?["']([^"']+\.js)["']/g)].map((m) => m[1]!);
    for (const spec of specifiers) {
      if (!spec.startsWith('.') && !spec.startsWith('/')) continue;
      const target = spec.startsWith('/') ? spec.slice(1) : posix.normalize(posix.join(posix.dirname(file), spec));
      if (existsSync(join(root, target))) queue.push(target);
    }
  }
  return [...seen];
}

const gzipBytes = (root: string, files: string[]): number => files.reduce((sum, f) => sum + gzipSync(readFileSync(join(root, f)), { level: 9 }).length, 0);

function popupScripts(root: string, page: string): string[] {
  const html = readFileSync(join(root, page), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
  return scripts.map((src) => (src.startsWith('/') ? src.slice(1) : posix.normalize(posix.join(posix.dirname(page), src))));
}

function backgroundScripts(root: string): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { background?: { service_worker?: string } };
  const worker = manifest.background?.service_worker;
  if (!worker) throw new Error(`${root}/manifest.json has no background.service_worker.`);
  return [worker];
}

/**
 * Installs, before any page script runs, a probe that stamps (ms since
 * navigation start) the popup's first render and the first frame showing a code.
 */
const PROBE = `(() => {
  const marks = (window.__jetonMarks = {});
  const observer = new MutationObserver(() => {
    const app = document.getElementById('app');
    if (marks.render === undefined && app && app.firstChild) marks.render = performance.now();
    const el = document.querySelector('[data-testid="code"]');
    if (el && /\\d{3}/.test(el.textContent || '')) {
      observer.disconnect();
      requestAnimationFrame(() => { marks.firstCode = performance.now(); });
    }
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();`;

interface Opening {
  /** HTML parsed (domInteractive). */
  html: number;
  /** The popup's script started running (its `jeton:script` mark; NaN on a page without it). */
  script: number;
  /** The state to show was at hand (its `jeton:state` mark). */
  state: number;
  /** The popup's script rendered something. */
  render: number;
  /** First frame with a code. */
  firstCode: number;
}

async function openOnce(page: Page, url: string): Promise<Opening> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __jetonMarks: { firstCode?: number } }).__jetonMarks.firstCode, undefined, { timeout: 10_000 });
  return page.evaluate(() => {
    const marks = (window as unknown as { __jetonMarks: { render: number; firstCode: number } }).__jetonMarks;
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const [script, state] = ['jeton:script', 'jeton:state'].map((name) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN);
    return { html: nav.domInteractive, script: script!, state: state!, render: marks.render, firstCode: marks.firstCode };
  });
}

async function ensureDemoToken(page: Page): Promise<void> {
  if ((await page.getByTestId('code').count()) > 0) return;
  await page.getByTestId('settings').click();
  const demo = page.getByTestId('demo');
  if (!(await demo.isChecked())) await demo.check();
  await page.getByTestId('back').click();
  await page.getByTestId('code').first().waitFor();
}

/** The bare pages: a code in the HTML; a code one script writes at once; a code one script writes when its service worker sends it. */
type BareKind = 'static' | 'script' | 'message';

const WRITE_CODE = `const p = document.createElement('p');
p.dataset.testid = 'code';
p.textContent = code;
document.getElementById('app').append(p);`;

/**
 * The floor on this machine at this moment: a bare MV3 extension whose popup
 * is static HTML already holding a code, opened and measured the same way.
 * `script`: the page holds nothing and its one script writes the code (the
 * floor of a page a script draws); `message`: the script writes it once the
 * service worker has answered one message (the floor of any popup showing
 * what its background says: a script to load, one round trip).
 */
function writeBareExtension(dir: string, kind: BareKind): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ manifest_version: 3, name: 'bare', version: '1.0', background: { service_worker: 'sw.js' }, action: { default_popup: 'popup.html' } }),
  );
  if (kind === 'static') {
    writeFileSync(join(dir, 'sw.js'), '');
    writeFileSync(join(dir, 'popup.html'), '<!doctype html><html lang="fr"><title>bare</title><div id="app"><p data-testid="code">123 456</p></div>');
    return;
  }
  writeFileSync(join(dir, 'sw.js'), 'chrome.runtime.onMessage.addListener((message, sender, reply) => reply({ code: "123 456" }));');
  writeFileSync(join(dir, 'popup.html'), '<!doctype html><html lang="fr"><title>bare</title><script type="module" src="popup.js"></script><div id="app"></div>');
  const script = kind === 'script' ? `const code = '123 456';\n${WRITE_CODE}` : `chrome.runtime.sendMessage({ get: 'code' }).then(({ code }) => {\n${WRITE_CODE}\n});`;
  writeFileSync(join(dir, 'popup.js'), script);
}

/** One extension loaded in its own browser, ready to open its popup. */
interface Opener {
  /** `cold`: the browser's service workers are stopped first, as after 30 s without use (the usual case). */
  open(cold?: boolean): Promise<Opening>;
  close(): Promise<void>;
}

async function opener(extensionDir: string, prepare: (page: Page) => Promise<void>): Promise<Opener> {
  const profile = mkdtempSync(join(tmpdir(), 'jeton-bench-profile-'));
  const cleanup = () => rmSync(profile, { recursive: true, force: true });
  let loaded;
  try {
    loaded = await launchWithExtension(profile, extensionDir);
  } catch (err) {
    cleanup();
    throw err;
  }
  const { context, extensionId } = loaded;
  const close = async () => {
    await context.close();
    cleanup();
  };
  try {
    const url = `chrome-extension://${extensionId}/${popupPath(extensionDir)}`;
    const setup = await context.newPage();
    await setup.goto(url);
    await prepare(setup);
    await setup.close();
    await context.addInitScript({ content: PROBE });
    // DevTools' ServiceWorker domain stops the extension's worker as Chromium does after 30 s idle.
    const workers = await context.newCDPSession(await context.newPage());
    await workers.send('ServiceWorker.enable');
    const open = async (cold = false) => {
      if (cold) await workers.send('ServiceWorker.stopAllWorkers');
      const tab = await context.newPage();
      try {
        return await openOnce(tab, url);
      } finally {
        await tab.close();
      }
    };
    // One warm-up opening (first compile of the page's JS), not counted.
    await open();
    return { open, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Opens each extension's popup RUNS times, taking turns (one opening of each,
 * then again), so a change in the machine's load weighs on every page alike.
 */
async function openings(pages: Array<{ dir: string; prepare: (page: Page) => Promise<void> }>): Promise<{ warm: Opening[][]; cold: Opening[][] }> {
  const openers: Opener[] = [];
  try {
    for (const { dir, prepare } of pages) openers.push(await opener(dir, prepare));
    const warm: Opening[][] = pages.map(() => []);
    for (let i = 0; i < RUNS; i++) for (const [k, o] of openers.entries()) warm[k]!.push(await o.open());
    const cold: Opening[][] = pages.map(() => []);
    for (let i = 0; i < COLD_RUNS; i++) for (const [k, o] of openers.entries()) cold[k]!.push(await o.open(true));
    return { warm, cold };
  } finally {
    for (const o of openers) await o.close();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Builds the store build (so the figures are of the current source), copies
 * it aside (a concurrent build empties dist/), and measures; throws with what
 * is missing (build, browser).
 */
async function measureExtension(): Promise<ExtensionFigures> {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal}).`);
  // The test build reaches loopback pages: the focus → button figure needs one as a login page.
  const buildE2E = spawnSync('npm', ['run', '--silent', 'build:e2e'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (buildE2E.status !== 0) throw new Error(`npm run build:e2e failed (exit ${buildE2E.status ?? buildE2E.signal}).`);
  if (!existsSync(join(BUILT, 'manifest.json')) || !existsSync(ZIP)) throw new Error(`npm run build made no ${BUILT} or ${ZIP}.`);
  const zipBytes = statSync(ZIP).size;
  const work = mkdtempSync(join(tmpdir(), 'jeton-bench-'));
  const DIST = join(work, 'chrome');
  cpSync(BUILT, DIST, { recursive: true });
  const E2E = join(work, 'e2e-chrome');
  cpSync(resolve(REPO_ROOT, 'dist', 'e2e-chrome'), E2E, { recursive: true });
  try {
    return { ...(await measureBuild(DIST, zipBytes)), contentJsGzipBytes: contentScriptGzipBytes(DIST), focusToButtonRunsMs: await measureFocusToButton(E2E) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function measureBuild(DIST: string, zipBytes: number): Promise<Omit<ExtensionFigures, 'contentJsGzipBytes' | 'focusToButtonRunsMs'>> {
  const page = popupPath(DIST);
  const popupJsFiles = jsClosure(DIST, popupScripts(DIST, page));
  const backgroundJsFiles = jsClosure(DIST, backgroundScripts(DIST));

  const bareDir = (kind: BareKind): string => {
    const dir = join(dirname(DIST), `bare-${kind}`);
    writeBareExtension(dir, kind);
    return dir;
  };
  const nothing = async () => undefined;
  const { warm, cold } = await openings([
    { dir: DIST, prepare: ensureDemoToken },
    { dir: bareDir('static'), prepare: nothing },
    { dir: bareDir('script'), prepare: nothing },
    { dir: bareDir('message'), prepare: nothing },
  ]);
  const [runs, bare, scripted, asking] = warm as [Opening[], Opening[], Opening[], Opening[]];
  const [coldRuns, , , coldAsking] = cold as [Opening[], Opening[], Opening[], Opening[]];

  return {
    firstCodeMedianMs: median(runs.map((r) => r.firstCode)),
    firstCodeRunsMs: runs.map((r) => r.firstCode),
    htmlParsedMedianMs: median(runs.map((r) => r.html)),
    scriptStartMedianMs: median(runs.map((r) => r.script)),
    stateMedianMs: median(runs.map((r) => r.state)),
    firstRenderMedianMs: median(runs.map((r) => r.render)),
    bareFirstCodeMedianMs: median(bare.map((r) => r.firstCode)),
    bareScriptFirstCodeMedianMs: median(scripted.map((r) => r.firstCode)),
    bareAskingFirstCodeMedianMs: median(asking.map((r) => r.firstCode)),
    coldFirstCodeMedianMs: median(coldRuns.map((r) => r.firstCode)),
    coldBareAskingFirstCodeMedianMs: median(coldAsking.map((r) => r.firstCode)),
    loadAverage: loadavg()[0]!,
    popupJsGzipBytes: gzipBytes(DIST, popupJsFiles),
    popupJsFiles,
    backgroundJsGzipBytes: gzipBytes(DIST, backgroundJsFiles),
    backgroundJsFiles,
    zipBytes,
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const files = (list: string[]): string => `${list.length} file${list.length === 1 ? '' : 's'}`;

/** Prints the figures beside their targets; resolves to false when a target is missed. */
async function runExtensionSection(): Promise<boolean> {
  const f = await measureExtension();
  const popupOk = f.popupJsGzipBytes <= TARGETS.popupGzipKB * 1024;
  const contentOk = f.contentJsGzipBytes <= FILL_TARGETS.contentGzipKB * 1024;
  const buttonOk = median(f.focusToButtonRunsMs) <= FILL_TARGETS.focusToButtonMs;
  const vsBare = f.firstCodeMedianMs / f.bareFirstCodeMedianMs;
  const vsBareOk = vsBare <= TARGETS.firstCodeVsBare;
  const sorted = [...f.firstCodeRunsMs].sort((a, b) => a - b);
  const rows: Array<[string, string, string]> = [
    ['popup opened → first code (median of 20)', `${f.firstCodeMedianMs.toFixed(1)} ms (min ${sorted[0]!.toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)})`, '— (see / bare page)'],
    ['bare extension page, static code (floor now)', `${f.bareFirstCodeMedianMs.toFixed(1)} ms`, '—'],
    ['bare page, one script writes the code', `${f.bareScriptFirstCodeMedianMs.toFixed(1)} ms (${(f.bareScriptFirstCodeMedianMs / f.bareFirstCodeMedianMs).toFixed(2)}× static)`, '—'],
    [
      'bare page, script + one message to its worker',
      `${f.bareAskingFirstCodeMedianMs.toFixed(1)} ms (${(f.bareAskingFirstCodeMedianMs / f.bareFirstCodeMedianMs).toFixed(2)}× static)`,
      '—',
    ],
    [
      `worker stopped first: popup (median of ${COLD_RUNS})`,
      `${f.coldFirstCodeMedianMs.toFixed(1)} ms (bare page asking its worker: ${f.coldBareAskingFirstCodeMedianMs.toFixed(1)} ms)`,
      '—',
    ],
    ['first code above that floor', `${(f.firstCodeMedianMs - f.bareFirstCodeMedianMs).toFixed(1)} ms`, '—'],
    ['first code / bare page', `${vsBare.toFixed(2)}×`, `≤ ${TARGETS.firstCodeVsBare}× ${vsBareOk ? '✓' : '✗'}`],
    ['popup JS, gzip', `${kb(f.popupJsGzipBytes)} (${files(f.popupJsFiles)})`, `≤ ${TARGETS.popupGzipKB} KB ${popupOk ? '✓' : '✗'}`],
    ['background JS, gzip', `${kb(f.backgroundJsGzipBytes)} (${files(f.backgroundJsFiles)})`, '—'],
    ['dist/jeton-chrome.zip', kb(f.zipBytes), '—'],
    ['content script (login pages), gzip', kb(f.contentJsGzipBytes), `≤ ${FILL_TARGETS.contentGzipKB} KB ${contentOk ? '✓' : '✗'}`],
    [
      'code field focused → Jeton button (median of 20)',
      `${median(f.focusToButtonRunsMs).toFixed(1)} ms (min ${Math.min(...f.focusToButtonRunsMs).toFixed(1)}, max ${Math.max(...f.focusToButtonRunsMs).toFixed(1)})`,
      `≤ ${FILL_TARGETS.focusToButtonMs} ms ${buttonOk ? '✓' : '✗'}`,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  console.info(`Headless Chromium, store build (dist/chrome), demo token; load average ${f.loadAverage.toFixed(1)} on ${cpus().length} cores`);
  console.info(`  ${'figure'.padEnd(width)}  ${'measured'.padEnd(valueWidth)}  target`);
  for (const [name, value, target] of rows) console.info(`  ${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
  console.info(
    `  (popup, medians from navigation start: HTML parsed ${f.htmlParsedMedianMs.toFixed(1)} ms, script started ${f.scriptStartMedianMs.toFixed(1)} ms, ${
      // The service worker serves the page with its codes: no answer is waited for (background/popup-page.ts).
      Number.isNaN(f.stateMedianMs) ? 'codes served in the page by the worker' : `background's answer ${f.stateMedianMs.toFixed(1)} ms`
    }, first render ${f.firstRenderMedianMs.toFixed(1)} ms, first code ${f.firstCodeMedianMs.toFixed(1)} ms)`,
  );
  addSummary({ figure: 'popup opened → first code', measured: `${f.firstCodeMedianMs.toFixed(1)} ms`, target: '—', met: null });
  addSummary({ figure: 'bare extension page, static code', measured: `${f.bareFirstCodeMedianMs.toFixed(1)} ms`, target: '—', met: null });
  addSummary({ figure: 'bare page, one script', measured: `${f.bareScriptFirstCodeMedianMs.toFixed(1)} ms`, target: '—', met: null });
  addSummary({ figure: 'bare page, script + one message', measured: `${f.bareAskingFirstCodeMedianMs.toFixed(1)} ms`, target: '—', met: null });
  addSummary({ figure: 'popup first code, worker stopped first', measured: `${f.coldFirstCodeMedianMs.toFixed(1)} ms`, target: '—', met: null });
  addSummary({ figure: 'popup first code / bare page', measured: `${vsBare.toFixed(2)}×`, target: `≤ ${TARGETS.firstCodeVsBare}×`, met: vsBareOk });
  addSummary({ figure: 'popup JS, gzip', measured: kb(f.popupJsGzipBytes), target: `≤ ${TARGETS.popupGzipKB} KB`, met: popupOk });
  addSummary({ figure: 'content script, gzip', measured: kb(f.contentJsGzipBytes), target: `≤ ${FILL_TARGETS.contentGzipKB} KB`, met: contentOk });
  addSummary({ figure: 'code field focused → Jeton button', measured: `${median(f.focusToButtonRunsMs).toFixed(1)} ms`, target: `≤ ${FILL_TARGETS.focusToButtonMs} ms`, met: buttonOk });
  return vsBareOk && popupOk && contentOk && buttonOk;
}

/** The `npm run bench` section (bench/index.ts). */
export const extensionSection = { name: 'Extension', run: runExtensionSection };

// Run alone: `npx tsx bench/extension.ts`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ok = await runExtensionSection();
  if (!ok) process.exitCode = 1;
}
