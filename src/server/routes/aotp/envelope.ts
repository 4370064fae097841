/** The token envelope a profile gives, and the secrets of a new token. @see docs/protocol.md §3 */
import { b64u } from '../../../core/bytes.ts';
import type { Envelope } from '../../../core/protocol/messages.ts';
import type { OTPAlgorithm } from '../../../core/totp.ts';
import type { Config, Profile } from '../../config.ts';
import { isoSeconds } from '../../dates.ts';

/** Seed length per algorithm: the hash's output size, as RFC 4226 §4 recommends. */
export const SEED_BYTES: Record<OTPAlgorithm, number> = { SHA1: 20, SHA256: 32, SHA512: 64 };


/** The endpoint URLs handed out in envelopes: always on the public origin. @see docs/protocol.md §3 */
const endpointUrl = (config: Pick<Config, 'publicUrl'>, name: 'confirm' | 'status' | 'renew' | 'provision'): string =>
  `${config.publicUrl}/aotp/v1/${name}`;

/** When in-band renewal opens for a token expiring at `expiresAt`. @see docs/protocol.md §6 */
export const renewOpensAt = (expiresAt: number, profile: Pick<Profile, 'renewWindowDays'>): number => expiresAt - profile.renewWindowDays * 86_400_000;

export interface NewTokenTimes {
  /** Whole seconds, so the envelope and the database say the same thing. */
  issuedAt: number;
  expiresAt: number;
}

export function tokenTimes(now: number, profile: Pick<Profile, 'validityDays'>): NewTokenTimes {
  const issuedAt = Math.floor(now / 1000) * 1000;
  return { issuedAt, expiresAt: issuedAt + profile.validityDays * 86_400_000 };
}

/** Builds the envelope of a new token under `profile`. @see docs/protocol.md §3 */
export function buildEnvelope(
  config: Pick<Config, 'publicUrl'>,
  profile: Profile,
  token: { tokenId: string; userId: string; seed: Uint8Array; times: NewTokenTimes },
): Envelope {
  const envelope: Envelope = {
    tokenId: token.tokenId,
    issuer: profile.issuer,
    userId: token.userId,
    seed: b64u(token.seed),
    algorithm: profile.algorithm,
    digits: profile.digits,
    period: profile.period,
    issuedAt: isoSeconds(token.times.issuedAt),
    expiresAt: isoSeconds(token.times.expiresAt),
    pin: { required: profile.pinRequired, minLength: profile.pinMinLength },
    loginOrigins: [...profile.loginOrigins],
    portalUrl: profile.portalUrl,
    confirmUrl: endpointUrl(config, 'confirm'),
    statusUrl: endpointUrl(config, 'status'),
    exportable: false,
  };
  if (profile.allowRenewal) envelope.renewUrl = endpointUrl(config, 'renew');
  return envelope;
}
