/**
 * Rate limits on the pages (portal, login): a `429` page with `Retry-After`,
 * thrown from a handler and rendered by the area's error handler.
 */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';
import { hitRateLimit, type Bucket } from '../store/rate-limits.ts';

/** Thrown when a page request passes a rate limit; `seconds` until the window ends. */
export class RateLimitedError extends Error {
  constructor(readonly seconds: number) {
    super('rate_limited');
    this.name = 'RateLimitedError';
  }
}

/** Counts the request; throws RateLimitedError when the address or the user is over a limit. @see docs/protocol.md §1 */
export async function limitPage(ctx: AppContext, bucket: Bucket, ip: string, user: string | null): Promise<void> {
  const wait = await hitRateLimit(ctx, bucket, { ip, user });
  if (wait !== null) throw new RateLimitedError(wait);
}

export const setRetryAfter = (reply: FastifyReply, seconds: number): FastifyReply => reply.header('retry-after', String(seconds));
