/** Which URLs and origins Jeton talks to or fills codes on. @see docs/protocol.md §3 */
import { JetonError } from './errors.ts';

/** `localhost`, `127.0.0.0/8` or `[::1]`. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

class ServerURLError extends JetonError {}

/** Parses a server URL: `https:`, or `http:` on a loopback host; no credentials. */
export function parseServerURL(input: string): URL {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ServerURLError('invalid_url', 'The server URL is not a valid address.');
  }
  if (url.username || url.password) throw new ServerURLError('invalid_url', 'The server URL must not contain a user name or password.');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new ServerURLError('insecure_url', 'The server URL must start with https://');
}

/** Normalises an origin (`https://host[:port]`, `http:` only on loopback); null when the input is not exactly an origin. */
export function normalizeOrigin(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return null;
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return url.origin;
  return null;
}
