/**
 * One source, two builds:
 *   vite build                 → dist/chrome   (Chrome and Edge, MV3 service worker)
 *   vite build --mode firefox  → dist/firefox  (MV3 background scripts, gecko settings)
 * JETON_E2E=1 writes dist/e2e-chrome / dist/e2e-firefox with the loopback hosts.
 * JETON_LOGIN_HOSTS sets the organisation's login hosts (see docs in scripts/build-manifest.ts).
 */
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import { defineConfig } from 'vite';
import { contentScript } from './scripts/build-content.ts';
import { popupPage, preactWithoutInnerHTML, withoutPopup } from './scripts/build-popup.ts';
import { deriveManifest, loginHostsFromEnv, readBaseManifest, type TargetBrowser } from './scripts/build-manifest.ts';

export default defineConfig(({ mode }) => {
  const browser: TargetBrowser = mode === 'firefox' ? 'firefox' : 'chrome';
  const e2e = process.env.JETON_E2E === '1';
  const manifest = deriveManifest(readBaseManifest(), { browser, e2e, loginHosts: loginHostsFromEnv(process.env.JETON_LOGIN_HOSTS) });
  // Browsers that run MV3 with storage.session all take ES2022.
  const target = 'es2022';
  return {
    // The popup is built on its own (scripts/build-popup.ts): one script file, no chunk shared with the service worker.
    // The service worker renders the popup's first frame (background/popup-page.ts): Preact there too, without innerHTML.
    plugins: [preactWithoutInnerHTML(), crx({ manifest: withoutPopup(manifest) as unknown as ManifestV3Export, browser }), contentScript(), popupPage(target)],
    build: {
      outDir: `dist/${e2e ? 'e2e-' : ''}${browser}`,
      emptyOutDir: true,
      target,
      // Readable stack traces are worth more than a few bytes; no source maps shipped.
      sourcemap: false,
      modulePreload: false,
    },
    server: { cors: { origin: [/^chrome-extension:\/\//, /^moz-extension:\/\//] } },
  };
});
