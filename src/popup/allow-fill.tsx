/**
 * Host access to a token's login origins, asked with a user gesture (a click
 * in the popup) when the build does not already grant it. Filling codes on
 * those pages needs it; nothing else does.
 */
import { useEffect, useState } from 'preact/hooks';
import { extensionAPI } from './browser.ts';
import type { Dict } from './i18n.ts';

/** Match patterns for origins (ports are not part of match patterns). */
const originPatterns = (origins: string[]): string[] =>
  origins.flatMap((o) => {
    try {
      const url = new URL(o);
      return [`${url.protocol}//${url.hostname}/*`];
    } catch {
      return [];
    }
  });

/** A button asking for the login hosts, shown only while they are not granted. */
export function AllowFill({ origins, d }: { origins: string[]; d: Dict }) {
  const patterns = originPatterns(origins);
  const key = patterns.join(' ');
  const [granted, setGranted] = useState<boolean | null>(null);

  useEffect(() => {
    if (patterns.length === 0) return;
    extensionAPI().permissions.contains({ origins: patterns }).then(setGranted, () => setGranted(null));
    // `key` stands for `patterns`, which is a new array each render.
  }, [key]);

  if (granted !== false) return null;
  const hosts = patterns.map((p) => new URL(p.replace('/*', '/')).hostname).join(', ');
  const ask = async () => {
    // Must run straight from the click: browsers only show the prompt for a user gesture.
    const ok = await extensionAPI().permissions.request({ origins: patterns }).catch(() => false);
    setGranted(ok);
  };
  return (
    <button type="button" class="secondary allow" data-testid="allow-fill" onClick={() => void ask()}>
      {d.allowFill(hosts)}
    </button>
  );
}
