/** A valid envelope for tests of both sides of the protocol. @see PROTOCOL.md §3 */
import { b64u } from '../bytes.ts';
import type { Envelope } from './messages.ts';

export const SAMPLE_SERVER_URL = 'https://teleacces.example/aotp/v1/provision?profile=teleacces';

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
  loginOrigins: ['https://teleacces.example'],
  portalUrl: 'https://teleacces.example/virtuel',
  confirmUrl: 'https://teleacces.example/aotp/v1/confirm',
  statusUrl: 'https://teleacces.example/aotp/v1/status',
  renewUrl: 'https://teleacces.example/aotp/v1/renew',
  exportable: false,
});
