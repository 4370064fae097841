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
 * The time steps within ±`window` of `now`, in the order a code is looked
 * for: `now`, then the nearer ones, past before future (now, now−1, now+1,
 * now−2…); none below 0. A right code is nearly always the current one, so
 * a search in this order usually stops at the first.
 */
export function candidateSteps(now: number, window: number): number[] {
  const steps = [now];
  for (let d = 1; d <= window; d++) steps.push(now - d, now + d);
  return steps.filter((step) => step >= 0);
}

/**
 * Finds `code` within ±`window` steps of `timestamp`, in `candidateSteps`
 * order; returns the matching time step, or null. Each comparison is
 * constant-time. @see RFC 6238 §5.2
 */
export function matchTOTP(params: OTPParams, code: string, timestamp: number, window = 1): number | null {
  if (!/^\d+$/.test(code) || code.length !== params.digits) return null;
  const t = totp(params);
  for (const step of candidateSteps(timeStep(params.period, timestamp), window)) {
    const candidate = t.generate({ timestamp: step * params.period * 1000 });
    let diff = 0;
    for (let i = 0; i < code.length; i++) diff |= code.charCodeAt(i) ^ candidate.charCodeAt(i);
    if (diff === 0) return step;
  }
  return null;
}
