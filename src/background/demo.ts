/** The demo token of "mode de démonstration": local, marked, never sent anywhere. */
import { b64u } from '../core/bytes.ts';
import { randomBytes } from '../core/crypto.ts';
import { newAccountId, type TokenRecord } from '../core/vault.ts';

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
