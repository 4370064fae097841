/**
 * The one rule for where a token's codes may go on the web: which tokens may
 * be offered on an origin. Content-script registration (which hosts get the
 * script) and the fill messages (which tokens a page is offered, which code
 * it gets) both ask here, so a token that stops being usable stops everywhere.
 */
import { allowedLoginOrigins, type Policy } from '../core/policy.ts';
import type { TokenRecord } from '../core/vault.ts';

/**
 * The origins where `token`'s codes may be offered at `now`: none unless the
 * token is confirmed by its server (`active`; a pending token, or any later
 * state, is not), unexpired, not the demo token, and filling is not turned
 * off by the organisation; else its `loginOrigins` that the policy allows.
 * @see docs/protocol.md §3 (loginOrigins)
 */
export function offerableOrigins(token: TokenRecord, policy: Policy, now: number): string[] {
  if (!policy.fillEnabled || token.demo || token.server?.state !== 'active') return [];
  const expiresAt = Date.parse(token.expiresAt);
  if (!Number.isFinite(expiresAt) || expiresAt <= now) return [];
  return allowedLoginOrigins(policy, token.server.loginOrigins);
}

/**
 * The tokens that may be offered to a frame on `origin` whose top-level page
 * is on `topOrigin`: both must be exactly one of the token's offerable
 * origins (scheme, host and port), so a pinned page framed by another site,
 * or another site framed by a pinned page, gets nothing.
 * @see docs/protocol.md §3 (loginOrigins)
 */
export function offerableTokens(tokens: readonly TokenRecord[], origin: string, topOrigin: string, policy: Policy, now: number): TokenRecord[] {
  return tokens.filter((token) => {
    const origins = offerableOrigins(token, policy, now);
    return origins.includes(origin) && origins.includes(topOrigin);
  });
}

/** Every origin some token may fill on: what the content script is registered for. */
export function fillOrigins(tokens: readonly TokenRecord[], policy: Policy, now: number): string[] {
  return [...new Set(tokens.flatMap((token) => offerableOrigins(token, policy, now)))].sort();
}
