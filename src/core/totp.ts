/** TOTP (RFC 6238) over otpauth, with time always passed in so tests pin it. */
import { Secret, TOTP } from 'otpauth';

export type OTPAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface OTPParams {
  seed: Uint8Array;
  algorithm: OTPAlgorithm;
  digits: number;
  period: number;
}

const totp = ({ seed, algorithm, digits, period }: OTPParams): TOTP =>
  new TOTP({ secret: new Secret({ buffer: seed.slice().buffer }), algorithm, digits, period });

/** The code at `timestamp` (ms). @see RFC 6238 §4 */
export function generateTOTP(params: OTPParams, timestamp: number): string {
  return totp(params).generate({ timestamp });
}

/** The time step (counter) at `timestamp` (ms). */
export const timeStep = (period: number, timestamp: number): number => Math.floor(timestamp / 1000 / period);

/**
 * Finds `code` within ±`window` steps of `timestamp`; returns the matching time step,
 * or null. Compares every candidate in constant time. @see RFC 6238 §5.2
 */
export function matchTOTP(params: OTPParams, code: string, timestamp: number, window = 1): number | null {
  if (!/^\d+$/.test(code) || code.length !== params.digits) return null;
  const t = totp(params);
  const now = timeStep(params.period, timestamp);
  let found: number | null = null;
  for (let d = -window; d <= window; d++) {
    const candidate = t.generate({ timestamp: (now + d) * params.period * 1000 });
    let diff = 0;
    for (let i = 0; i < code.length; i++) diff |= code.charCodeAt(i) ^ candidate.charCodeAt(i);
    if (diff === 0 && found === null) found = now + d;
  }
  return found;
}
