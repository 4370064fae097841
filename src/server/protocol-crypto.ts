/**
 * The server's side of the protocol's cryptography over node:crypto,
 * synchronously. Same inputs, same bytes as `src/testing/protocol-reference.ts`
 * (the reference implementation over WebCrypto, for tests); in Node, WebCrypto's per-call
 * key import and thread-pool hop cost 5–10× the primitive itself (measured:
 * HMAC 110 µs vs 10 µs, P-256 key generation 300 µs vs 33 µs), which is most
 * of a provisioning's CPU. `protocol-crypto.test.ts` checks both agree.
 * @see docs/protocol.md §1, §3–§6
 */
import { createCipheriv, createECDH, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { b64u, concat, fromB64u, T, utf8 } from '../core/bytes.ts';
import { ProtocolError } from '../core/protocol/errors.ts';
import { macInput, provisionProofInput, tokenAad } from '../core/protocol/keys.ts';
import type { ConfirmRequest, Envelope, ProvisionRequest, ProvisionResponse, RenewRequest, StatusRequest } from '../core/protocol/messages.ts';

const hmac = (key: Uint8Array, data: Uint8Array): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * HKDF-SHA256 (RFC 5869) for up to 64 bytes, from HMACs: hkdfSync wraps its
 * inputs in KeyObjects first, which cost more than the two or three HMACs.
 */
export function hkdf64(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 64) throw new RangeError('hkdf64 gives at most 64 bytes.');
  const prk = hmac(salt, ikm);
  const t1 = createHmac('sha256', prk).update(info).update(Uint8Array.of(1)).digest();
  const okm = length <= 32 ? t1 : Buffer.concat([t1, createHmac('sha256', prk).update(t1).update(info).update(Uint8Array.of(2)).digest()]);
  prk.fill(0);
  return new Uint8Array(okm.subarray(0, length));
}

/** A fresh token id (16 bytes, base64url) and seed. */
export const newTokenSecretsSync = (seedBytes: number): { tokenId: string; seed: Uint8Array } => ({
  tokenId: b64u(randomBytes(16)),
  seed: new Uint8Array(randomBytes(seedBytes)),
});

/** HMAC-SHA256 of `input` under `key` equals the base64url `mac`, compared in constant time. */
export function checkMacSync(key: Uint8Array, input: Uint8Array, mac: string): boolean {
  let given: Uint8Array;
  try {
    given = fromB64u(mac);
  } catch {
    return false;
  }
  const expected = hmac(key, input);
  return given.length === expected.length && timingSafeEqual(expected, given);
}

/** @see docs/protocol.md §3 */
export const checkProvisionProofSync = (kAc: Uint8Array, req: ProvisionRequest): boolean =>
  checkMacSync(kAc, provisionProofInput(req.userId, req.clientKey, req.nonce), req.proof);
/** @see docs/protocol.md §4 */
export const checkConfirmMacSync = (kStatus: Uint8Array, req: ConfirmRequest): boolean => checkMacSync(kStatus, macInput.confirm(req.tokenId, req.otp), req.mac);
/** @see docs/protocol.md §5 */
export const checkStatusMacSync = (kStatus: Uint8Array, req: StatusRequest): boolean =>
  checkMacSync(kStatus, macInput.status(req.tokenId, req.ts, req.otp), req.mac);
/** @see docs/protocol.md §6 */
export const checkRenewMacSync = (kStatus: Uint8Array, req: RenewRequest): boolean =>
  checkMacSync(kStatus, macInput.renew(req.tokenId, req.clientKey, req.nonce, req.ts, req.otp), req.mac);

export type KeySource = { kind: 'provision'; kAc: Uint8Array } | { kind: 'renew'; kStatusOld: Uint8Array; tokenId: string };

/**
 * Seals an envelope for the client key and nonce of a request: fresh P-256
 * server key, ECDH, HKDF (§3 provision-keys or §6 renew-keys), AES-256-GCM.
 * A client key that is not a point of P-256 is `400 invalid_request`.
 * `fixed` (the server's private scalar and the IV) is for the test vectors of
 * docs/protocol.md only.
 * @see docs/protocol.md §3, §6
 */
export function sealEnvelopeSync(
  source: KeySource,
  req: { userId: string; clientKey: string; nonce: string },
  envelope: Envelope,
  fixed?: { privateKey: Uint8Array; iv: Uint8Array },
): { response: ProvisionResponse; kStatus: Uint8Array } {
  const clientKey = fromB64u(req.clientKey);
  const nonce = fromB64u(req.nonce);
  const server = createECDH('prime256v1');
  if (fixed) server.setPrivateKey(fixed.privateKey);
  const serverKey = new Uint8Array(fixed ? server.getPublicKey() : server.generateKeys());
  let z: Uint8Array;
  try {
    if (clientKey.length !== 65 || clientKey[0] !== 4) throw new Error('not an uncompressed point');
    z = new Uint8Array(server.computeSecret(clientKey));
  } catch {
    throw new ProtocolError('invalid_request', 'clientKey is not a P-256 public key.');
  }
  const [ikmTail, info] =
    source.kind === 'provision'
      ? [source.kAc, T('provision-keys', req.userId, clientKey, serverKey)]
      : [source.kStatusOld, T('renew-keys', fromB64u(source.tokenId), clientKey, serverKey)];
  const okm = hkdf64(concat(z, ikmTail), nonce, info, 64);
  z.fill(0);
  const iv = fixed?.iv ?? randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', okm.subarray(0, 32), iv);
  cipher.setAAD(tokenAad(req.userId, clientKey, nonce));
  const ct = Buffer.concat([cipher.update(utf8(JSON.stringify(envelope))), cipher.final(), cipher.getAuthTag()]);
  const kStatus = okm.slice(32, 64);
  okm.fill(0);
  return { response: { v: 1, serverKey: b64u(serverKey), iv: b64u(iv), ct: b64u(ct) }, kStatus };
}
