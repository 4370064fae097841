/**
 * The client side of provision + confirm over node:crypto, for the load
 * generator only: the same formulas as `src/core/protocol/client.ts` (whose
 * WebCrypto calls cost ~1 ms of CPU per pair in Node, enough to make the
 * generator, not the server, the bottleneck). Every pair still has to pass
 * the server's proof check, open its envelope and get a 200 on confirm, so a
 * formula off by one byte shows as failed pairs. The tests use the real client.
 */
import { createDecipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';
import { b64u, concat, fromB64u, fromUtf8, T, utf8 } from '../src/core/bytes.ts';
import { macInput, provisionProofInput, tokenAad } from '../src/core/protocol/keys.ts';
import type { ConfirmRequest, Envelope, ProvisionRequest } from '../src/core/protocol/messages.ts';
import { hkdf64 } from '../src/server/protocol-crypto.ts';
import { hotp } from '../src/server/totp-node.ts';

export interface PreparedProvision {
  body: ProvisionRequest;
  /** Opens the 200 answer and builds the confirm request with the current code. */
  confirmFor(answer: { serverKey: string; iv: string; ct: string }, nowMs: number): { url: string; body: ConfirmRequest };
}

const hmac = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

export function prepareProvision(userId: string, code: string): PreparedProvision {
  const kAc = hkdf64(utf8(code), utf8('jeton/aotp/v1'), T('activation', userId), 32);
  const ecdh = createECDH('prime256v1');
  const clientKey = new Uint8Array(ecdh.generateKeys());
  const nonce = new Uint8Array(randomBytes(16));
  const body: ProvisionRequest = {
    v: 1,
    userId,
    clientKey: b64u(clientKey),
    nonce: b64u(nonce),
    proof: b64u(hmac(kAc, provisionProofInput(userId, b64u(clientKey), b64u(nonce)))),
  };
  return {
    body,
    confirmFor(answer, nowMs) {
      const serverKey = fromB64u(answer.serverKey);
      const z = new Uint8Array(ecdh.computeSecret(serverKey));
      const okm = hkdf64(concat(z, kAc), nonce, T('provision-keys', userId, clientKey, serverKey), 64);
      const ct = fromB64u(answer.ct);
      const decipher = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), fromB64u(answer.iv));
      decipher.setAAD(tokenAad(userId, clientKey, nonce));
      decipher.setAuthTag(ct.subarray(ct.length - 16));
      const envelope = JSON.parse(fromUtf8(new Uint8Array(Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()])))) as Envelope;
      const otp = hotp({ seed: fromB64u(envelope.seed), algorithm: envelope.algorithm, digits: envelope.digits }, Math.floor(nowMs / 1000 / envelope.period));
      const kStatus = okm.subarray(32, 64);
      return {
        url: envelope.confirmUrl,
        body: { v: 1, tokenId: envelope.tokenId, otp, mac: b64u(hmac(kStatus, macInput.confirm(envelope.tokenId, otp))) },
      };
    },
  };
}
