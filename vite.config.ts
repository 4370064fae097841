/**
 * One source, two builds:
 *   vite build                 → dist/chrome   (Chrome and Edge, MV3 service worker)
 *   vite build --mode firefox  → dist/firefox  (MV3 background scripts, gecko settings)
 * JETON_E2E=1 writes dist/e2e-chrome / dist/e2e-firefox with the loopback hosts.
 * JETON_LOGIN_HOSTS sets the organisation's login hosts (see docs in scripts/build-manifest.ts).
 */
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import { contentScript } from './scripts/build-content.ts';
import { deriveManifest, loginHostsFromEnv, readBaseManifest, type TargetBrowser } from './scripts/build-manifest.ts';

/**
 * Removes Preact's one `innerHTML` write (dangerouslySetInnerHTML, which Jeton
 * never uses): a capability less in the popup, and `web-ext lint` stays clean.
 * Fails the build if a Preact update moves it, so it is looked at again.
 */
function preactWithoutInnerHTML(): Plugin {
  const write = /\((\w+)\.innerHTML=(\w+)\.__html\)/;
  return {
    name: 'jeton:preact-without-innerhtml',
    transform(code, id) {
      if (!/[\\/]preact[\\/]dist[\\/]preact\.m?js$/.test(id)) return null;
      if (!write.test(code)) this.error('preact: the innerHTML write was not found; review preactWithoutInnerHTML in vite.config.ts');
      return { code: code.replace(write, '(()=>{throw new Error("dangerouslySetInnerHTML is disabled in Jeton")})()'), map: null };
    },
  };
}

export default defineConfig(({ mode }) => {
  const browser: TargetBrowser = mode === 'firefox' ? 'firefox' : 'chrome';
  const e2e = process.env.JETON_E2E === '1';
  const manifest = deriveManifest(readBaseManifest(), { browser, e2e, loginHosts: loginHostsFromEnv(process.env.JETON_LOGIN_HOSTS) });
  return {
    plugins: [preactWithoutInnerHTML(), preact(), crx({ manifest: manifest as unknown as ManifestV3Export, browser }), contentScript()],
    build: {
      outDir: `dist/${e2e ? 'e2e-' : ''}${browser}`,
      emptyOutDir: true,
      // Browsers that run MV3 with storage.session all take ES2022.
      target: 'es2022',
      // Readable stack traces are worth more than a few bytes; no source maps shipped.
      sourcemap: false,
      modulePreload: false,
    },
    server: { cors: { origin: [/^chrome-extension:\/\//, /^moz-extension:\/\//] } },
  };
});
