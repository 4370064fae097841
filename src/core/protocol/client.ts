/**
 * The client side of the protocol: builds requests, opens answers, and talks
 * HTTP through an injected `fetch`. Used by the extension's background and by
 * the server's tests. @see docs/protocol.md §3–§6
 */
import { normalizeActivationCode } from '../activation-code.ts';
import { b64u, fromB64u, fromUtf8 } from '../bytes.ts';
import { aesGcmDecrypt, ecdh, generateEcdhKeyPair, hmac, randomBytes, type EcdhKeyPair } from '../crypto.ts';
import { parseServerURL } from '../origins.ts';
import { normalizeUserId } from '../user-id.ts';
import { isServerErrorCode, ProtocolError } from './errors.ts';
import { deriveActivationKey, deriveProvisionKeys, deriveRenewKeys, macInput, provisionProofInput, tokenAad, type TokenKeys } from './keys.ts';
import {
  parseEnvelope,
  PROTOCOL_VERSION,
  type ConfirmRequest,
  type ConfirmResponse,
  type Envelope,
  type ProvisionRequest,
  type RenewRequest,
  type StatusRequest,
  type StatusResponse,
} from './messages.ts';

export type Fetch = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** What a client keeps of a provisioned token: the envelope and K_status. */
export interface ProvisionedToken {
  envelope: Envelope;
  kStatus: Uint8Array;
}

interface Pending {
  serverUrl: string;
  userId: string;
  privateKey: CryptoKey;
  clientKey: Uint8Array;
  nonce: Uint8Array;
}

/**
 * The client's one-time values: a fresh key pair and nonce per request. Given
 * only by the test vectors (docs/protocol.md), which need fixed bytes.
 */
export interface ClientEphemeral {
  keyPair: EcdhKeyPair;
  nonce: Uint8Array;
}

const freshEphemeral = async (): Promise<ClientEphemeral> => ({ keyPair: await generateEcdhKeyPair(), nonce: randomBytes(16) });

// ---- §3 provision --------------------------------------------------------

export interface ProvisionInput {
  serverUrl: string;
  userId: string;
  /** As typed: non-digits are stripped, the check digit is verified. */
  code: string;
  deviceName?: string;
}

/** Builds a provision request; throws before any network call on a bad URL, user ID or code. */
export async function createProvisionRequest(
  input: ProvisionInput,
  ephemeral?: ClientEphemeral,
): Promise<{ body: ProvisionRequest; pending: Pending & { kAc: Uint8Array } }> {
  const serverUrl = parseServerURL(input.serverUrl).href;
  const userId = normalizeUserId(input.userId);
  const code = normalizeActivationCode(input.code);
  const kAc = await deriveActivationKey(code, userId);
  const {
    keyPair: { privateKey, publicKey },
    nonce,
  } = ephemeral ?? (await freshEphemeral());
  const clientKey = b64u(publicKey);
  const proof = await hmac(kAc, provisionProofInput(userId, clientKey, b64u(nonce)));
  const body: ProvisionRequest = { v: PROTOCOL_VERSION, userId, clientKey, nonce: b64u(nonce), proof: b64u(proof) };
  if (input.deviceName) body.device = { name: input.deviceName.slice(0, 64) };
  return { body, pending: { serverUrl, userId, privateKey, clientKey: publicKey, nonce, kAc } };
}

async function openSealed(pending: Pending, answer: unknown, derive: (z: Uint8Array, serverKey: Uint8Array) => Promise<TokenKeys>): Promise<ProvisionedToken> {
  const a = answer as Record<string, unknown> | null;
  if (typeof a !== 'object' || a === null || a.v !== PROTOCOL_VERSION || typeof a.serverKey !== 'string' || typeof a.iv !== 'string' || typeof a.ct !== 'string') {
    throw new ProtocolError('bad_response', 'The server answered outside the protocol.');
  }
  let plaintext: Uint8Array;
  try {
    const serverKey = fromB64u(a.serverKey);
    const iv = fromB64u(a.iv);
    if (iv.length !== 12) throw new Error('iv');
    const z = await ecdh(pending.privateKey, serverKey);
    const { kEnc, kStatus } = await derive(z, serverKey);
    plaintext = await aesGcmDecrypt(kEnc, iv, fromB64u(a.ct), tokenAad(pending.userId, pending.clientKey, pending.nonce));
    let json: unknown;
    try {
      json = JSON.parse(fromUtf8(plaintext));
    } catch {
      throw new ProtocolError('bad_envelope', 'The server sent an unreadable token.');
    }
    return { envelope: parseEnvelope(json, pending.serverUrl, pending.userId), kStatus };
  } catch (err) {
    if (err instanceof ProtocolError && err.code === 'bad_envelope') throw err;
    // Whatever failed (key, IV, tag), the client discards everything. @see docs/protocol.md §3
    throw new ProtocolError('server_unproven', 'The server could not prove it knew the activation code.');
  }
}

/** Opens a 200 answer to a provision request. @see docs/protocol.md §3 */
export const openProvisionResponse = (pending: Pending & { kAc: Uint8Array }, answer: unknown): Promise<ProvisionedToken> =>
  openSealed(pending, answer, (z, serverKey) => deriveProvisionKeys(z, pending.kAc, pending.nonce, pending.userId, pending.clientKey, serverKey));

// ---- §4 confirm, §5 status -----------------------------------------------

export async function createConfirmRequest(tokenId: string, kStatus: Uint8Array, otp: string): Promise<ConfirmRequest> {
  const mac = await hmac(kStatus, macInput.confirm(tokenId, otp));
  return { v: PROTOCOL_VERSION, tokenId, otp, mac: b64u(mac) };
}

/** `ts` in seconds since the epoch; `otp` only for an online PIN check. */
export async function createStatusRequest(tokenId: string, kStatus: Uint8Array, ts: number, otp?: string): Promise<StatusRequest> {
  const mac = await hmac(kStatus, macInput.status(tokenId, ts, otp));
  const body: StatusRequest = { v: PROTOCOL_VERSION, tokenId, ts, mac: b64u(mac) };
  if (otp !== undefined) body.otp = otp;
  return body;
}

// ---- §6 renew ------------------------------------------------------------

export async function createRenewRequest(
  token: { tokenId: string; userId: string; serverUrl: string; kStatus: Uint8Array },
  ts: number,
  otp: string,
  ephemeral?: ClientEphemeral,
): Promise<{ body: RenewRequest; pending: Pending & { tokenId: string; kStatusOld: Uint8Array } }> {
  const {
    keyPair: { privateKey, publicKey },
    nonce,
  } = ephemeral ?? (await freshEphemeral());
  const clientKey = b64u(publicKey);
  const mac = await hmac(token.kStatus, macInput.renew(token.tokenId, clientKey, b64u(nonce), ts, otp));
  return {
    body: { v: PROTOCOL_VERSION, tokenId: token.tokenId, clientKey, nonce: b64u(nonce), ts, otp, mac: b64u(mac) },
    pending: {
      serverUrl: token.serverUrl,
      userId: token.userId,
      privateKey,
      clientKey: publicKey,
      nonce,
      tokenId: token.tokenId,
      kStatusOld: token.kStatus,
    },
  };
}

export const openRenewResponse = (pending: Pending & { tokenId: string; kStatusOld: Uint8Array }, answer: unknown): Promise<ProvisionedToken> =>
  openSealed(pending, answer, (z, serverKey) => deriveRenewKeys(z, pending.kStatusOld, pending.nonce, pending.tokenId, pending.clientKey, serverKey));

// ---- HTTP ----------------------------------------------------------------

/** POSTs JSON; a non-2xx answer becomes a ProtocolError with the server's code and extra fields. */
async function postJSON(fetch: Fetch, url: string, body: unknown): Promise<unknown> {
  let res: Awaited<ReturnType<Fetch>>;
  let text: string;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    text = await res.text();
  } catch {
    throw new ProtocolError('server_unreachable', 'The server could not be reached.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError('bad_response', `The server answered ${res.status} outside the protocol.`);
  }
  if (res.status >= 200 && res.status < 300) return json;
  const err = json as Record<string, unknown> | null;
  if (typeof err === 'object' && err !== null && typeof err.error === 'string' && isServerErrorCode(err.error)) {
    const { error, message, ...details } = err;
    const retryAfter = res.headers.get('retry-after');
    if (retryAfter !== null && details.retryAfter === undefined) details.retryAfter = Number(retryAfter);
    throw new ProtocolError(error, typeof message === 'string' ? message : error, details);
  }
  throw new ProtocolError('bad_response', `The server answered ${res.status} outside the protocol.`);
}

/** The whole of §3: request, answer, opened and checked envelope. */
export async function provision(fetch: Fetch, input: ProvisionInput): Promise<ProvisionedToken> {
  const { body, pending } = await createProvisionRequest(input);
  let answer: unknown;
  try {
    answer = await postJSON(fetch, pending.serverUrl, body);
  } catch (err) {
    // Said only after a right proof, so the user learns that the code was right but is no longer the newest.
    if (err instanceof ProtocolError && err.code === 'invalid_activation_code' && err.details.replaced === true) {
      throw new ProtocolError('activation_replaced', 'A newer activation code replaced this one.');
    }
    throw err;
  }
  return openProvisionResponse(pending, answer);
}

/** §4: confirms a provisioned token (or a renewal's new one) with its current code. @see docs/protocol.md §4 */
export async function confirm(
  fetch: Fetch,
  token: { envelope: Pick<Envelope, 'tokenId' | 'confirmUrl'>; kStatus: Uint8Array },
  otp: string,
): Promise<ConfirmResponse> {
  const res = (await postJSON(fetch, token.envelope.confirmUrl, await createConfirmRequest(token.envelope.tokenId, token.kStatus, otp))) as ConfirmResponse;
  if (res?.status !== 'active' || typeof res.expiresAt !== 'string' || Number.isNaN(Date.parse(res.expiresAt))) {
    throw new ProtocolError('bad_response', 'Unexpected confirmation answer.');
  }
  return res;
}

/** §5: the token's status; `nowMs` is the client's clock. */
export async function status(
  fetch: Fetch,
  token: { tokenId: string; statusUrl: string; kStatus: Uint8Array },
  nowMs: number,
  otp?: string,
): Promise<StatusResponse> {
  const body = await createStatusRequest(token.tokenId, token.kStatus, Math.floor(nowMs / 1000), otp);
  const res = (await postJSON(fetch, token.statusUrl, body)) as StatusResponse;
  if (typeof res?.status !== 'string' || typeof res.serverTime !== 'number') throw new ProtocolError('bad_response', 'Unexpected status answer.');
  return res;
}

/** §6: renews a token in-band; the answer is a new pending token to confirm. */
export async function renew(
  fetch: Fetch,
  token: { tokenId: string; userId: string; serverUrl: string; renewUrl: string; kStatus: Uint8Array },
  nowMs: number,
  otp: string,
): Promise<ProvisionedToken> {
  const { body, pending } = await createRenewRequest(token, Math.floor(nowMs / 1000), otp);
  return openRenewResponse(pending, await postJSON(fetch, token.renewUrl, body));
}
