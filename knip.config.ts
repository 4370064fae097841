/**
 * `npm run lint` runs knip with this: files, exports and dependencies nothing
 * uses. The entries are what runs: the extension (manifest.json, and the
 * content script scripts/build-content.ts bundles), the server and its CLI,
 * the scripts, the bench and the end-to-end runs. Vitest, Playwright, Vite
 * and ESLint configs are read by knip's own plugins.
 */
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  entry: [
    // The extension: manifest.json's background and popup, and the content script.
    'src/background/index.ts!',
    'src/popup/main.tsx!',
    'src/content/main.ts!',
    // The server and its CLI, marked as shipped (`!`) for `knip --production`. Knip also finds
    // them in package.json's scripts (as it finds bench/index.ts and e2e/run.ts); one glob
    // rather than two paths keeps it from calling them redundant.
    'src/server/{main,cli/main}.ts!',
    'scripts/*.ts',
    // Spawned by bench/server.ts.
    'bench/bare-server.ts',
    'e2e/*.spec.ts',
    // Each run by e2e/run.ts as its own process.
    'e2e/firefox/*.ts',
  ],
  // `!`: what ships. Tests and the test support (src/testing) count as test code.
  project: ['src/**/*.{ts,tsx}!', '!src/**/*.test.{ts,tsx}!', '!src/testing/**!', 'scripts/*.ts', 'bench/*.ts', 'e2e/**/*.ts'],
  // bench/server.ts pins processes to cores with it when the machine has it.
  ignoreBinaries: ['taskset'],
  // e2e/run.ts runs node_modules/.bin/web-ext by its path.
  ignoreDependencies: ['web-ext'],
};

export default config;
