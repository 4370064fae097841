/**
 * The reference implementation of the server side of the protocol's
 * cryptography, for tests only: it proves and seals with WebCrypto through
 * core, exactly as docs/protocol.md says, so that
 * - the extension's tests have a server to talk to (testing/background/fake-server.ts),
 * - the test vectors are checked on the WebCrypto side (core/protocol/vectors.test.ts),
 * - the provisioning server's `node:crypto` fast path (server/protocol-crypto.ts)
 *   is checked against it byte for byte (server/protocol-crypto.test.ts).
 * Nothing that ships imports it: the real server uses server/protocol-crypto.ts.
 * @see docs/protocol.md §3–§6
 */
import { b64u, fromB64u, utf8 } from '../core/bytes.ts';
import { aesGcmEncrypt, ecdh, generateEcdhKeyPair, InvalidPublicKeyError, randomBytes, type EcdhKeyPair } from '../core/crypto.ts';
import { ProtocolError } from '../core/protocol/errors.ts';
import { checkMac, deriveProvisionKeys, deriveRenewKeys, macInput, provisionProofInput, tokenAad, type TokenKeys } from '../core/protocol/keys.ts';
import type { ConfirmRequest, Envelope, ProvisionRequest, ProvisionResponse, RenewRequest, StatusRequest } from '../core/protocol/messages.ts';

/** Checks `proof` against K_ac in constant time. @see docs/protocol.md §3 */
export const checkProvisionProof = (kAc: Uint8Array, req: ProvisionRequest): Promise<boolean> =>
  checkMac(kAc, provisionProofInput(req.userId, req.clientKey, req.nonce), req.proof);

export const checkConfirmMac = (kStatus: Uint8Array, req: ConfirmRequest): Promise<boolean> =>
  checkMac(kStatus, macInput.confirm(req.tokenId, req.otp), req.mac);

export const checkStatusMac = (kStatus: Uint8Array, req: StatusRequest): Promise<boolean> =>
  checkMac(kStatus, macInput.status(req.tokenId, req.ts, req.otp), req.mac);

export const checkRenewMac = (kStatus: Uint8Array, req: RenewRequest): Promise<boolean> =>
  checkMac(kStatus, macInput.renew(req.tokenId, req.clientKey, req.nonce, req.ts, req.otp), req.mac);

/** A fresh token id (16 bytes) and seed (`seedBytes`, 20–64). */
export const newTokenSecrets = (seedBytes = 20): { tokenId: string; seed: Uint8Array } => ({
  tokenId: b64u(randomBytes(16)),
  seed: randomBytes(seedBytes),
});

type KeySource =
  | { kind: 'provision'; kAc: Uint8Array }
  | { kind: 'renew'; kStatusOld: Uint8Array; tokenId: string };

/**
 * Seals an envelope for the client that sent `clientKey` and `nonce`: a fresh
 * server key, ECDH, HKDF, AES-GCM. Returns the answer and the new token's K_status.
 * An invalid client key is `400 invalid_request`. `fixed` (server key pair
 * and IV) is for the test vectors of docs/protocol.md only.
 */
export async function sealEnvelope(
  source: KeySource,
  req: { userId: string; clientKey: string; nonce: string },
  envelope: Envelope,
  fixed?: { keyPair: EcdhKeyPair; iv: Uint8Array },
): Promise<{ response: ProvisionResponse; kStatus: Uint8Array }> {
  const clientKey = fromB64u(req.clientKey);
  const nonce = fromB64u(req.nonce);
  const server = fixed?.keyPair ?? (await generateEcdhKeyPair());
  let z: Uint8Array;
  try {
    z = await ecdh(server.privateKey, clientKey);
  } catch (err) {
    if (err instanceof InvalidPublicKeyError) throw new ProtocolError('invalid_request', 'clientKey is not a P-256 public key.');
    throw err;
  }
  const keys: TokenKeys =
    source.kind === 'provision'
      ? await deriveProvisionKeys(z, source.kAc, nonce, req.userId, clientKey, server.publicKey)
      : await deriveRenewKeys(z, source.kStatusOld, nonce, source.tokenId, clientKey, server.publicKey);
  const iv = fixed?.iv ?? randomBytes(12);
  const ct = await aesGcmEncrypt(keys.kEnc, iv, utf8(JSON.stringify(envelope)), tokenAad(req.userId, clientKey, nonce));
  return { response: { v: 1, serverKey: b64u(server.publicKey), iv: b64u(iv), ct: b64u(ct) }, kStatus: keys.kStatus };
}
