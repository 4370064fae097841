/** The demo token of "mode de démonstration": local, marked, never sent anywhere. */
import { b64u } from '../core/bytes.ts';
import { randomBytes } from '../core/crypto.ts';
import { newAccountId, type TokenRecord } from '../core/vault.ts';
import type { Deps } from './deps.ts';
import { readPolicy } from './policy.ts';

const DAY_MS = 86_400_000;

/** A fresh demo token valid one year from `now`; it has no server binding by construction. */
export function demoToken(now: number): TokenRecord {
  return {
    id: newAccountId(),
    issuer: 'Jeton',
    userId: 'demo',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 365 * DAY_MS).toISOString(),
    addedAt: new Date(now).toISOString(),
    demo: true,
    secret: { type: 'plain', seed: b64u(randomBytes(20)) },
  };
}

/** Removes the demo token when the organisation turned demo mode off (the popup hides it meanwhile). */
export async function removeRefusedDemo(deps: Deps): Promise<void> {
  const [vault, policy] = await Promise.all([deps.vault.read(), readPolicy(deps.managed)]);
  if (policy.demoAllowed || !vault.tokens.some((t) => t.demo)) return;
  await deps.vault.update((v) => ({ ...v, tokens: v.tokens.filter((t) => !t.demo) }));
}
