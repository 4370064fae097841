/**
 * A tiny browser for the portal's tests: keeps cookies, posts forms, reads the
 * CSRF token and text out of pages. It talks through `app.inject` or over real
 * HTTP with fetch, so the same steps run both ways.
 */
import type { FastifyInstance } from 'fastify';

export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
  location: string | undefined;
}

type Send = (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string) => Promise<Page>;

export const injectTransport =
  (app: FastifyInstance): Send =>
  async (method, path, headers, body) => {
    const res = await app.inject({ method, url: path, headers, ...(body === undefined ? {} : { payload: body }) });
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join('\n') : String(v);
    return { status: res.statusCode, headers: flat, body: res.body, location: flat.location };
  };

export const httpTransport =
  (origin: string): Send =>
  async (method, path, headers, body) => {
    const res = await fetch(`${origin}${path}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });
    const flat: Record<string, string> = {};
    res.headers.forEach((v, k) => (flat[k] = v));
    const cookies = res.headers.getSetCookie();
    if (cookies.length) flat['set-cookie'] = cookies.join('\n');
    return { status: res.status, headers: flat, body: await res.text(), location: flat.location };
  };

export class Browser {
  readonly cookies = new Map<string, string>();
  /** The last page seen, for `csrf()`. */
  last: Page | undefined;

  constructor(
    private readonly send: Send,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  private remember(page: Page): Page {
    for (const line of (page.headers['set-cookie'] ?? '').split('\n').filter(Boolean)) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/Max-Age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    this.last = page;
    return page;
  }

  private headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { ...this.extraHeaders, ...(cookie ? { cookie } : {}) };
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.remember(await this.send('GET', path, { ...this.headers(), ...headers }));
  }

  /** Posts a form; `csrf` is filled from the last page unless given. */
  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    const fields = { csrf: this.csrf(), ...form };
    const body = new URLSearchParams(fields).toString();
    return this.remember(
      await this.send('POST', path, { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded', ...headers }, body),
    );
  }

  /** Follows a 303 like a browser does. */
  async follow(page: Page): Promise<Page> {
    if (page.status !== 303 || !page.location) return page;
    return this.get(page.location);
  }

  csrf(): string {
    return /name="csrf" value="([^"]+)"/.exec(this.last?.body ?? '')?.[1] ?? '';
  }
}

/** The text content of the element with this id (first match), entities decoded. */
export function textOf(html: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return m ? decode(m[1]!.replace(/<[^>]+>/g, '')).trim() : undefined;
}

const decode = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]!);
