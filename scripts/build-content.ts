/**
 * The content script as one classic script (registered content scripts
 * cannot be ES modules), bundled and minified by esbuild and added to the
 * extension's output by a Vite plugin. Its gzip size is kept under
 * CONTENT_MAX_GZIP (npm run bench prints it).
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Plugin } from 'vite';

export const CONTENT_ENTRY = 'src/content/main.ts';
/** Where the background registers it from (src/background/content-scripts.ts, CONTENT_SCRIPT_FILE). */
export const CONTENT_FILE = 'content/fill.js';
/** The content script's budget: it loads on every visit to a login page. */
export const CONTENT_MAX_GZIP = 6 * 1024;

/** Bundles the content script; returns its code. */
export async function bundleContentScript(): Promise<string> {
  const result = await build({
    entryPoints: [CONTENT_ENTRY],
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2022',
    write: false,
    legalComments: 'none',
    charset: 'utf8',
  });
  return result.outputFiles[0]!.text;
}

/** The Vite plugin: emits content/fill.js, and fails the build past the size budget. */
export function contentScript(): Plugin {
  return {
    name: 'jeton:content-script',
    async generateBundle() {
      const code = await bundleContentScript();
      const gzip = gzipSync(code).length;
      if (gzip > CONTENT_MAX_GZIP) this.error(`${CONTENT_FILE} is ${gzip} bytes gzipped, over its ${CONTENT_MAX_GZIP}-byte budget`);
      this.emitFile({ type: 'asset', fileName: CONTENT_FILE, source: code });
    },
  };
}
