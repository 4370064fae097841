/**
 * API keys of the sites that call `/aotp/v1/verify`. A key is shown once; the
 * database keeps its SHA-256 (base64url), so a database leak gives no key.
 * @see docs/protocol.md §7
 */
import { createHash } from 'node:crypto';
import { b64u } from '../../core/bytes.ts';
import type { AppContext } from '../context.ts';
import { newApiKey } from '../secrets.ts';
import { audit } from './audit.ts';

export class DuplicateApiKeyNameError extends Error {}

/** SHA-256 of a key as stored in `api_keys.key_hash`. */
const apiKeyHash = (key: string): string => b64u(createHash('sha256').update(key, 'utf8').digest());

/**
 * Creates an API key named `name` (unique) and returns it: the only time it is
 * seen in clear. Throws DuplicateApiKeyNameError when the name is taken. @see docs/protocol.md §7
 */
export async function createApiKey(ctx: Pick<AppContext, 'db' | 'now'>, name: string): Promise<{ key: string }> {
  const key = newApiKey();
  const existing = await ctx.db.selectFrom('api_keys').select('id').where('name', '=', name).executeTakeFirst();
  if (existing) throw new DuplicateApiKeyNameError(`An API key named ${name} exists already.`);
  await ctx.db.insertInto('api_keys').values({ name, key_hash: apiKeyHash(key), created_at: ctx.now(), revoked_at: null }).execute();
  await audit(ctx, 'apikey.created', { detail: { name } });
  return { key };
}

/** Revokes the key named `name`; false when there is no such live key. */
export async function revokeApiKey(ctx: Pick<AppContext, 'db' | 'now'>, name: string): Promise<boolean> {
  return (await revokeApiKeyBy(ctx, { name })) !== null;
}

/**
 * Revokes a live key by name or by id and audits `apikey.revoked`; returns its
 * id and name, or null when there is no such live key. @see docs/protocol.md §7
 */
export async function revokeApiKeyBy(ctx: Pick<AppContext, 'db' | 'now'>, which: { name: string } | { id: number }): Promise<{ id: number; name: string } | null> {
  let q = ctx.db.updateTable('api_keys').set({ revoked_at: ctx.now() }).where('revoked_at', 'is', null);
  q = 'name' in which ? q.where('name', '=', which.name) : q.where('id', '=', which.id);
  const row = await q.returning(['id', 'name']).executeTakeFirst();
  if (!row) return null;
  await audit(ctx, 'apikey.revoked', { detail: { id: row.id, name: row.name } });
  return row;
}

/** Every API key, live or revoked, oldest first: never the key itself (only its hash is stored). */
export async function listApiKeys(ctx: Pick<AppContext, 'db'>): Promise<Array<{ id: number; name: string; createdAt: number; revokedAt: number | null }>> {
  const rows = await ctx.db.selectFrom('api_keys').select(['id', 'name', 'created_at', 'revoked_at']).orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

/** Answers whether an `Authorization` header carries a live API key. */
export type ApiKeyChecker = (authorization: string | undefined) => Promise<boolean>;

/**
 * A checker that remembers answers for `ttlMs` (default 5 s): the verify path
 * then costs no key lookup per request, and a revoked key stops working
 * within that delay. The cache lives in the checker, one per app.
 */
export function createApiKeyChecker(ctx: Pick<AppContext, 'db' | 'now'>, ttlMs = 5_000, maxEntries = 1_000): ApiKeyChecker {
  const cache = new Map<string, { ok: boolean; until: number }>();
  return async (authorization) => {
    if (authorization === undefined) return false;
    // The scheme is case-insensitive (RFC 9110 §11.1); the key is not.
    const m = /^bearer +([A-Za-z0-9_-]{1,128})$/i.exec(authorization.trim());
    if (!m) return false;
    // The hash is the cache key: the key itself is never kept in memory past this call.
    const hash = apiKeyHash(m[1]!);
    const now = ctx.now();
    const hit = cache.get(hash);
    if (hit && hit.until > now) return hit.ok;
    const row = await ctx.db.selectFrom('api_keys').select('revoked_at').where('key_hash', '=', hash).executeTakeFirst();
    // Equality on a SHA-256 in an index leaks nothing useful about the key (the preimage is 256 random bits).
    const ok = row !== undefined && row.revoked_at === null;
    if (cache.size >= maxEntries) cache.clear(); // wrong keys must not grow memory without bound
    cache.set(hash, { ok, until: now + ttlMs });
    return ok;
  };
}
