/** A valid envelope for tests of both sides of the protocol, and the server it comes from. @see docs/protocol.md §3 */
import { b64u } from '../core/bytes.ts';
import type { Envelope } from '../core/protocol/messages.ts';

export const SAMPLE_ORIGIN = 'https://teleacces.example';
export const SAMPLE_SERVER_URL = `${SAMPLE_ORIGIN}/aotp/v1/provision?profile=teleacces`;

export const sampleEnvelope = (userId: string, tokenId: string, seed: Uint8Array): Envelope => ({
  tokenId,
  issuer: 'Téléaccès',
  userId,
  seed: b64u(seed),
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  issuedAt: '2026-11-28T23:00:00Z',
  expiresAt: '2027-11-28T23:00:00Z',
  pin: { required: true, minLength: 4 },
  loginOrigins: [SAMPLE_ORIGIN],
  portalUrl: `${SAMPLE_ORIGIN}/virtuel`,
  confirmUrl: `${SAMPLE_ORIGIN}/aotp/v1/confirm`,
  statusUrl: `${SAMPLE_ORIGIN}/aotp/v1/status`,
  renewUrl: `${SAMPLE_ORIGIN}/aotp/v1/renew`,
  exportable: false,
});
