/**
 * The protocol's messages, their types, and strict validation at the boundary:
 * unknown fields, wrong types and wrong lengths are `400 invalid_request`.
 * @see docs/protocol.md §1–§7
 */
import { fromB64u } from '../bytes.ts';
import { normalizeOrigin, parseServerURL } from '../origins.ts';
import type { OTPAlgorithm } from '../totp.ts';
import { isUserId, normalizeUserId } from '../user-id.ts';
import { ProtocolError } from './errors.ts';
import { readShape, type Reader, type Shape } from '../shape.ts';

export const PROTOCOL_VERSION = 1;
export const MAX_BODY_BYTES = 16 * 1024;

export interface ProvisionRequest {
  v: 1;
  userId: string;
  clientKey: string;
  nonce: string;
  proof: string;
  device?: { name: string };
}
export interface ProvisionResponse {
  v: 1;
  serverKey: string;
  iv: string;
  ct: string;
}
export interface ConfirmRequest {
  v: 1;
  tokenId: string;
  otp: string;
  mac: string;
}
type TokenStatus = 'pending' | 'active' | 'superseded' | 'revoked' | 'expired';
export interface ConfirmResponse {
  status: 'active';
  expiresAt: string;
}
export interface StatusRequest {
  v: 1;
  tokenId: string;
  ts: number;
  otp?: string;
  mac: string;
}
export interface StatusResponse {
  status: TokenStatus;
  expiresAt: string;
  serverTime: number;
  renewOpensAt: string;
  otpValid?: boolean;
  /** With `otp`: the user is locked (§7); the code was neither checked nor counted. */
  locked?: boolean;
  /** With `locked`: seconds until codes are accepted again. */
  retryAfter?: number;
  /** With a wrong `otp` that was counted: failures left before the lock (0: this one locked). */
  failuresLeft?: number;
  /** With `failuresLeft`: how long the lock lasts once it falls, in seconds. */
  lockoutSeconds?: number;
}
export interface RenewRequest {
  v: 1;
  tokenId: string;
  clientKey: string;
  nonce: string;
  ts: number;
  otp: string;
  mac: string;
}
export interface VerifyRequest {
  userId: string;
  otp: string;
}
export type VerifyResponse =
  | { ok: true; tokenId: string; expiresAt: string }
  | { ok: false; error: 'locked'; retryAfter: number }
  | { ok: false; error: 'no_active_token' | 'invalid_otp' };

/** The decrypted token envelope. @see docs/protocol.md §3 */
export interface Envelope {
  tokenId: string;
  issuer: string;
  userId: string;
  seed: string;
  algorithm: OTPAlgorithm;
  digits: number;
  period: number;
  issuedAt: string;
  expiresAt: string;
  pin: { required: boolean; minLength: number };
  loginOrigins: string[];
  portalUrl: string;
  confirmUrl: string;
  statusUrl: string;
  renewUrl?: string;
  exportable: boolean;
}

// ---- field readers -------------------------------------------------------


const invalid = (message: string): ProtocolError => new ProtocolError('invalid_request', message);

const bytes =
  (min: number, max = min): Reader<string> =>
  (value, name) => {
    if (typeof value !== 'string') throw invalid(`${name} must be a base64url string.`);
    let decoded: Uint8Array;
    try {
      decoded = fromB64u(value);
    } catch {
      throw invalid(`${name} is not base64url.`);
    }
    if (decoded.length < min || decoded.length > max) {
      throw invalid(min === max ? `${name} must be ${min} bytes.` : `${name} must be ${min} to ${max} bytes.`);
    }
    return value;
  };

const userId: Reader<string> = (value, name) => {
  if (typeof value !== 'string' || value.length > 256 || !isUserId(value)) {
    throw invalid(`${name} must be 1 to 64 characters among letters, digits and . _ @ -`);
  }
  return normalizeUserId(value);
};

const otp: Reader<string> = (value, name) => {
  if (typeof value !== 'string' || !/^\d{6,8}$/.test(value)) throw invalid(`${name} must be 6 to 8 digits.`);
  return value;
};

const timestamp: Reader<number> = (value, name) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a whole number of seconds.`);
  }
  return value;
};

const version: Reader<1> = (value) => {
  if (value !== PROTOCOL_VERSION) throw new ProtocolError('unsupported_version', 'This server speaks version 1 of the protocol.');
  return 1;
};

const deviceInfo: Reader<{ name: string }> = (value, name) => {
  const device = readObject(value, name, { name: deviceName }, []);
  return device;
};

const deviceName: Reader<string> = (value, name) => {
  if (typeof value !== 'string' || value.length > 64) throw invalid(`${name} must be at most 64 characters.`);
  return value;
};

const readObject = <T extends object>(value: unknown, name: string, shape: Shape<T>, optional: Array<keyof T>): T =>
  readShape(value, name, shape, optional, invalid);

/** Reads a versioned request: the version is checked before anything else. */
function readVersioned<T extends { v: 1 }>(body: unknown, shape: Shape<T>, optional: Array<keyof T> = []): T {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'v' in body) version((body as { v: unknown }).v, 'v');
  return readObject(body, 'The request', shape, optional);
}

const TOKEN_ID = bytes(16);
const KEY = bytes(65);
const NONCE = bytes(16);
const MAC = bytes(32);

export const parseProvisionRequest = (body: unknown): ProvisionRequest =>
  readVersioned<ProvisionRequest>(
    body,
    { v: version, userId, clientKey: KEY, nonce: NONCE, proof: MAC, device: deviceInfo },
    ['device'],
  );

export const parseConfirmRequest = (body: unknown): ConfirmRequest =>
  readVersioned<ConfirmRequest>(body, { v: version, tokenId: TOKEN_ID, otp, mac: MAC });

export const parseStatusRequest = (body: unknown): StatusRequest =>
  readVersioned<StatusRequest>(body, { v: version, tokenId: TOKEN_ID, ts: timestamp, otp, mac: MAC }, ['otp']);

export const parseRenewRequest = (body: unknown): RenewRequest =>
  readVersioned<RenewRequest>(body, {
    v: version,
    tokenId: TOKEN_ID,
    clientKey: KEY,
    nonce: NONCE,
    ts: timestamp,
    otp,
    mac: MAC,
  });

/** §7 has no version field; a `v` of 1 is tolerated. */
export function parseVerifyRequest(body: unknown): VerifyRequest {
  const { userId: id, otp: code } = readObject<VerifyRequest & { v?: 1 }>(body, 'The request', { v: version, userId, otp }, ['v']);
  return { userId: id, otp: code };
}

// ---- the envelope, as a client checks it ---------------------------------

const badEnvelope = (message: string): ProtocolError => new ProtocolError('bad_envelope', `The server sent an invalid token: ${message}`);

function isoDate(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw badEnvelope(`${name} is not a UTC date.`);
  }
  return value;
}

function sameOriginURL(value: unknown, name: string, origin: string): string {
  if (typeof value !== 'string') throw badEnvelope(`${name} is missing.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badEnvelope(`${name} is not a URL.`);
  }
  if (url.origin !== origin) throw badEnvelope(`${name} is not on the server's origin.`);
  return url.href;
}

/**
 * Checks a decrypted envelope against §3: sizes, algorithm, digits, period,
 * the user it was asked for, and endpoints on the server URL's own origin.
 * Unknown fields are ignored (later servers may add some).
 */
export function parseEnvelope(value: unknown, serverUrl: string, expectedUserId: string): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badEnvelope('not an object.');
  const e = value as Record<string, unknown>;
  const origin = parseServerURL(serverUrl).origin;
  const asBytes = (reader: Reader<string>, v: unknown, name: string): string => {
    try {
      return reader(v, name);
    } catch (err) {
      throw badEnvelope((err as Error).message);
    }
  };
  const tokenId = asBytes(TOKEN_ID, e.tokenId, 'tokenId');
  const seed = asBytes(bytes(20, 64), e.seed, 'seed');
  if (typeof e.userId !== 'string' || !isUserId(e.userId) || normalizeUserId(e.userId) !== normalizeUserId(expectedUserId)) {
    throw badEnvelope('it is for another user.');
  }
  if (typeof e.issuer !== 'string' || e.issuer.length === 0 || e.issuer.length > 128) throw badEnvelope('issuer is missing.');
  if (e.algorithm !== 'SHA1' && e.algorithm !== 'SHA256' && e.algorithm !== 'SHA512') throw badEnvelope('unknown algorithm.');
  if (typeof e.digits !== 'number' || !Number.isInteger(e.digits) || e.digits < 6 || e.digits > 8) throw badEnvelope('digits must be 6 to 8.');
  if (typeof e.period !== 'number' || !Number.isInteger(e.period) || e.period < 1 || e.period > 3600) throw badEnvelope('bad period.');
  const pin = e.pin as Record<string, unknown> | undefined;
  if (
    typeof pin !== 'object' ||
    pin === null ||
    typeof pin.required !== 'boolean' ||
    typeof pin.minLength !== 'number' ||
    !Number.isInteger(pin.minLength) ||
    pin.minLength < 0 ||
    pin.minLength > 64
  ) {
    throw badEnvelope('bad PIN policy.');
  }
  if (!Array.isArray(e.loginOrigins) || e.loginOrigins.length > 32) throw badEnvelope('bad login origins.');
  const loginOrigins = e.loginOrigins.map((o) => {
    const normal = typeof o === 'string' ? normalizeOrigin(o) : null;
    if (normal === null) throw badEnvelope('a login origin is not an https origin.');
    return normal;
  });
  let portalUrl: string;
  try {
    portalUrl = parseServerURL(String(e.portalUrl)).href;
  } catch {
    throw badEnvelope('bad portal URL.');
  }
  if (typeof e.exportable !== 'boolean') throw badEnvelope('exportable must be true or false.');
  const envelope: Envelope = {
    tokenId,
    issuer: e.issuer,
    userId: normalizeUserId(e.userId),
    seed,
    algorithm: e.algorithm,
    digits: e.digits,
    period: e.period,
    issuedAt: isoDate(e.issuedAt, 'issuedAt'),
    expiresAt: isoDate(e.expiresAt, 'expiresAt'),
    pin: { required: pin.required, minLength: pin.minLength },
    loginOrigins,
    portalUrl,
    confirmUrl: sameOriginURL(e.confirmUrl, 'confirmUrl', origin),
    statusUrl: sameOriginURL(e.statusUrl, 'statusUrl', origin),
    exportable: e.exportable,
  };
  if (e.renewUrl !== undefined) envelope.renewUrl = sameOriginURL(e.renewUrl, 'renewUrl', origin);
  return envelope;
}
