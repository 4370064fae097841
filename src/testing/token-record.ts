/** A vault token record for tests: a plain (no PIN) demo token of the Téléaccès profile, valid a year from 2026-11-28; `fields` override any part. */
import { b64u } from '../core/bytes.ts';
import type { TokenRecord } from '../core/vault.ts';

export const tokenRecord = (id: string, fields: Partial<TokenRecord> = {}): TokenRecord => ({
  id,
  issuer: 'Téléaccès',
  userId: 'format01',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  issuedAt: '2026-11-28T23:00:00Z',
  expiresAt: '2027-11-28T23:00:00Z',
  addedAt: '2026-11-28T23:00:00Z',
  demo: true,
  secret: { type: 'plain', seed: b64u(new Uint8Array(20).fill(7)) },
  ...fields,
});
