/**
 * The popup as one page (its style sheet written in) and one script file,
 * built on its own: in the extension's build the popup shares modules with the service worker, and
 * the bundler puts them in a chunk both import, a second file the popup
 * would fetch only once its own script has been read. Built alone, the popup
 * has a single entry and no shared chunk; the page asks for its one file at
 * once. A Vite plugin adds it to the extension's output and names it in
 * the manifest.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import preact from '@preact/preset-vite';
import { build, type Plugin } from 'vite';

const POPUP_HTML = 'src/popup/index.html';

/**
 * Removes Preact's one `innerHTML` write (dangerouslySetInnerHTML, which Jeton
 * never uses): a capability less in the popup, and `web-ext lint` stays clean.
 * Fails the build if a Preact update moves it, so it is looked at again.
 */
export function preactWithoutInnerHTML(): Plugin {
  const write = /\((\w+)\.innerHTML=(\w+)\.__html\)/;
  return {
    name: 'jeton:preact-without-innerhtml',
    transform(code, id) {
      if (!/[\\/]preact[\\/]dist[\\/]preact\.m?js$/.test(id)) return null;
      if (!write.test(code)) this.error('preact: the innerHTML write was not found; review preactWithoutInnerHTML in scripts/build-popup.ts');
      return { code: code.replace(write, '(()=>{throw new Error("dangerouslySetInnerHTML is disabled in Jeton")})()'), map: null };
    },
  };
}

interface PopupFile {
  fileName: string;
  source: string | Uint8Array;
}

/** Builds the popup page alone; returns its files (the page with its style, one script), paths relative to the extension's root. */
async function buildPopup(root: string, target: string): Promise<PopupFile[]> {
  const result = await build({
    configFile: false,
    root,
    publicDir: false,
    logLevel: 'warn',
    plugins: [preactWithoutInnerHTML(), preact()],
    build: {
      write: false,
      target,
      sourcemap: false,
      modulePreload: false,
      // Everything the page needs in one file, dynamic imports included.
      rolldownOptions: { input: POPUP_HTML, output: { codeSplitting: false } },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const files: PopupFile[] = [];
  for (const output of outputs) {
    if (!('output' in output)) throw new Error('The popup build returned a watcher.');
    for (const file of output.output) files.push({ fileName: file.fileName, source: file.type === 'chunk' ? file.code : file.source });
  }
  const scripts = files.filter((f) => f.fileName.endsWith('.js'));
  if (scripts.length !== 1) throw new Error(`The popup built to ${scripts.length} script files (${scripts.map((f) => f.fileName).join(', ')}), not one.`);
  return withStyleInline(files);
}

const text = (source: string | Uint8Array): string => (typeof source === 'string' ? source : new TextDecoder().decode(source));

/**
 * The style sheet written into the page: a linked one is one more file to
 * fetch, and the page's script waits for it before it runs. The extension's
 * CSP restricts scripts, not styles.
 */
function withStyleInline(files: PopupFile[]): PopupFile[] {
  const page = files.find((f) => f.fileName === POPUP_HTML);
  if (!page) throw new Error(`The popup build made no ${POPUP_HTML}.`);
  const sheets = files.filter((f) => f.fileName.endsWith('.css'));
  let html = text(page.source);
  for (const sheet of sheets) {
    const link = new RegExp(`<link rel="stylesheet"[^>]*href="/${sheet.fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>`);
    const css = text(sheet.source);
    if (!link.test(html) || css.includes('</')) throw new Error(`The popup's style sheet ${sheet.fileName} cannot be written into the page.`);
    html = html.replace(link, () => `<style>${css}</style>`);
  }
  return [...files.filter((f) => f !== page && !sheets.includes(f)), { fileName: POPUP_HTML, source: html }];
}

/**
 * The Vite plugin of the extension's build. The manifest given to the
 * extension plugin has no popup (so the popup's modules stay out of the
 * shared graph); this one builds the popup alone, emits its files and puts
 * `action.default_popup` back in manifest.json once that file is written.
 */
export function popupPage(target: string): Plugin {
  let root = process.cwd();
  return {
    name: 'jeton:popup-page',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    async generateBundle() {
      for (const file of await buildPopup(root, target)) this.emitFile({ type: 'asset', fileName: file.fileName, source: file.source });
    },
    // Patched once written: a popup added through the extension plugin's own manifest hook did not reach manifest.json.
    async writeBundle(options) {
      const file = join(options.dir ?? 'dist', 'manifest.json');
      const manifest = JSON.parse(await readFile(file, 'utf8')) as { action?: Record<string, unknown> };
      await writeFile(file, JSON.stringify({ ...manifest, action: { ...manifest.action, default_popup: POPUP_HTML } }, null, 2) + '\n');
    },
  };
}

/** The manifest without its popup, for the extension plugin (popupPage puts it back in manifest.json). */
export function withoutPopup<M extends Record<string, unknown>>(manifest: M): M {
  const action = manifest.action as Record<string, unknown> | undefined;
  if (action?.default_popup !== POPUP_HTML) throw new Error(`The manifest's action.default_popup is not ${POPUP_HTML}.`);
  const { default_popup: _popup, ...rest } = action;
  return { ...manifest, action: rest };
}
