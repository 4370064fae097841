/** The 8-digit activation code: 7 random digits and a Damm check digit. @see docs/protocol.md §2 */
import { randomBytes } from './crypto.ts';
import { JetonError } from './errors.ts';

// Damm's totally anti-symmetric quasigroup of order 10.
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
] as const;

/** The Damm check digit of a string of decimal digits. */
export function dammCheckDigit(digits: string): number {
  let interim = 0;
  for (const c of digits) {
    const d = c.charCodeAt(0) - 48;
    if (d < 0 || d > 9) throw new JetonError('invalid_digits', 'Digits only.');
    interim = DAMM[interim]![d]!;
  }
  return interim;
}

const ACTIVATION_CODE_LENGTH = 8;

/** A fresh activation code from a CSPRNG (rejection sampling, so no digit is favoured). */
export function generateActivationCode(): string {
  let body = '';
  while (body.length < ACTIVATION_CODE_LENGTH - 1) {
    for (const b of randomBytes(16)) if (b < 250 && body.length < ACTIVATION_CODE_LENGTH - 1) body += String(b % 10);
  }
  return body + String(dammCheckDigit(body));
}

class ActivationCodeError extends JetonError {}

/**
 * Strips every non-digit ("2792 1320", "2792-1320") and checks length and check digit,
 * so a typo is caught before any network call.
 */
export function normalizeActivationCode(input: string): string {
  const digits = input.replace(/\D/g, '');
  if (digits.length !== ACTIVATION_CODE_LENGTH) {
    throw new ActivationCodeError('code_length', 'The activation code has 8 digits.');
  }
  if (dammCheckDigit(digits) !== 0) {
    throw new ActivationCodeError('code_checksum', 'The activation code is mistyped: check its digits.');
  }
  return digits;
}

/** Formats a code as people read it: "2792 1320". */
export const formatActivationCode = (code: string): string => `${code.slice(0, 4)} ${code.slice(4)}`;
