/** RFC 6238 Appendix B: the test vectors every TOTP in Jeton is checked against (8 digits, 30-second steps). */
import { utf8 } from '../core/bytes.ts';
import type { OTPAlgorithm } from '../core/totp.ts';

/** One ASCII seed per algorithm: 20, 32 and 64 bytes. */
export const RFC6238_SEEDS: Record<OTPAlgorithm, Uint8Array> = {
  SHA1: utf8('12345678901234567890'),
  SHA256: utf8('12345678901234567890123456789012'),
  SHA512: utf8('1234567890123456789012345678901234567890123456789012345678901234'),
};

/** [Unix time in seconds, algorithm, 8-digit code]: the whole table. */
export const RFC6238_VECTORS: ReadonlyArray<[number, OTPAlgorithm, string]> = [
  [59, 'SHA1', '94287082'],
  [59, 'SHA256', '46119246'],
  [59, 'SHA512', '90693936'],
  [1111111109, 'SHA1', '07081804'],
  [1111111109, 'SHA256', '68084774'],
  [1111111109, 'SHA512', '25091201'],
  [1111111111, 'SHA1', '14050471'],
  [1111111111, 'SHA256', '67062674'],
  [1111111111, 'SHA512', '99943326'],
  [1234567890, 'SHA1', '89005924'],
  [1234567890, 'SHA256', '91819424'],
  [1234567890, 'SHA512', '93441116'],
  [2000000000, 'SHA1', '69279037'],
  [2000000000, 'SHA256', '90698825'],
  [2000000000, 'SHA512', '38618901'],
  [20000000000, 'SHA1', '65353130'],
  [20000000000, 'SHA256', '77737706'],
  [20000000000, 'SHA512', '47863826'],
];
