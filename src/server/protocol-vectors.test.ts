/**
 * The test vectors of docs/protocol.md §9, checked against the server's
 * node:crypto fast path and, where the server has no function of its own, the
 * bare primitives as the document spells them. `src/core/protocol/vectors.test.ts`
 * checks the same vectors on WebCrypto, and that the document and fixture agree.
 */
import { createDecipheriv, createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concat, fromB64u, T, utf8 } from '../core/bytes.ts';
import vectors from '../core/protocol/fixtures/vectors.json';
import { parseConfirmRequest, parseProvisionRequest, parseRenewRequest, parseStatusRequest, type Envelope } from '../core/protocol/messages.ts';
import { checkConfirmMacSync, checkMacSync, checkProvisionProofSync, checkRenewMacSync, checkStatusMacSync, hkdf64, sealEnvelopeSync } from './protocol-crypto.ts';
import { hotp } from './totp-node.ts';

const v = vectors;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const envelope = JSON.parse(v.envelope) as Envelope;
const kAc = unhex(v['activation.kAc']);
const kStatus = unhex(v['provision.kStatus']);
const fixed = { privateKey: unhex(v.serverPrivateKey), iv: fromB64u(v.iv) };

const ecdhOf = (privateHex: string) => {
  const key = createECDH('prime256v1');
  key.setPrivateKey(unhex(privateHex));
  return key;
};

/** AES-256-GCM opening with the 16-byte tag at the end, as §1 lays it out. */
function open(kEnc: Uint8Array, iv: Uint8Array, ct: Uint8Array, aad: Uint8Array): string {
  const decipher = createDecipheriv('aes-256-gcm', kEnc, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(ct.subarray(ct.length - 16));
  return Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]).toString('utf8');
}

describe('docs/protocol.md test vectors on node:crypto', () => {
  it('§1: the public keys are those of the private scalars, and both ends reach Z', () => {
    const [client, server] = [ecdhOf(v.clientPrivateKey), ecdhOf(v.serverPrivateKey)];
    expect(new Uint8Array(client.getPublicKey())).toEqual(fromB64u(v.clientKey));
    expect(new Uint8Array(server.getPublicKey())).toEqual(fromB64u(v.serverKey));
    expect(hex(client.computeSecret(fromB64u(v.serverKey)))).toBe(v['provision.z']);
    expect(hex(server.computeSecret(fromB64u(v.clientKey)))).toBe(v['provision.z']);
  });

  it('§2: K_ac is HKDF of the code', () => {
    expect(hex(hkdf64(utf8(v.code), utf8('jeton/aotp/v1'), unhex(v['activation.info']), 32))).toBe(v['activation.kAc']);
  });

  it('§3: the proof checks, and a proof under another key does not', () => {
    const req = parseProvisionRequest(JSON.parse(v['provision.request']));
    expect(checkProvisionProofSync(kAc, req)).toBe(true);
    expect(checkMacSync(kAc, unhex(v['provision.input']), v['provision.proof'])).toBe(true);
    expect(checkProvisionProofSync(kStatus, req)).toBe(false);
  });

  it('§3: OKM from Z || K_ac, and the server seals exactly the answer', () => {
    const okm = hkdf64(concat(unhex(v['provision.z']), kAc), fromB64u(v.nonce), unhex(v['provision.info']), 64);
    expect(hex(okm)).toBe(v['provision.okm']);
    expect(hex(okm.subarray(0, 32))).toBe(v['provision.kEnc']);
    expect(hex(okm.subarray(32))).toBe(v['provision.kStatus']);

    const req = parseProvisionRequest(JSON.parse(v['provision.request']));
    const sealed = sealEnvelopeSync({ kind: 'provision', kAc }, req, envelope, fixed);
    expect(sealed.response).toEqual(JSON.parse(v['provision.response']));
    expect(hex(sealed.kStatus)).toBe(v['provision.kStatus']);
    expect(open(unhex(v['provision.kEnc']), fromB64u(v.iv), fromB64u(v['provision.ct']), unhex(v['provision.aad']))).toBe(v.envelope);
  });

  it('the otp is the TOTP of the envelope seed at ts', () => {
    expect(hotp({ seed: fromB64u(v.seed), algorithm: 'SHA1', digits: 6 }, Math.floor(Number(v.ts) / 30))).toBe(v.otp);
  });

  it('§4, §5: confirm and status MACs check, and fail under a changed field', () => {
    const confirm = parseConfirmRequest(JSON.parse(v['confirm.request']));
    expect(checkConfirmMacSync(kStatus, confirm)).toBe(true);
    expect(checkMacSync(kStatus, unhex(v['confirm.input']), v['confirm.mac'])).toBe(true);
    expect(checkConfirmMacSync(kStatus, { ...confirm, otp: '000000' })).toBe(false);

    const status = parseStatusRequest(JSON.parse(v['status.request']));
    expect(checkStatusMacSync(kStatus, status)).toBe(true);
    expect(checkMacSync(kStatus, unhex(v['status.input']), v['status.mac'])).toBe(true);
    expect(checkStatusMacSync(kStatus, { ...status, otp: undefined, mac: v['status.macWithoutOtp'] })).toBe(true);
    expect(checkMacSync(kStatus, unhex(v['status.inputWithoutOtp']), v['status.macWithoutOtp'])).toBe(true);
    expect(checkStatusMacSync(kStatus, { ...status, ts: status.ts - 1 })).toBe(false);
  });

  it('§6: the renew MAC checks, and the renewal is sealed under OKM from Z || K_status', () => {
    const req = parseRenewRequest(JSON.parse(v['renew.request']));
    expect(checkRenewMacSync(kStatus, req)).toBe(true);
    expect(checkMacSync(kStatus, unhex(v['renew.input']), v['renew.mac'])).toBe(true);
    expect(checkRenewMacSync(kAc, req)).toBe(false);

    const okm = hkdf64(concat(unhex(v['provision.z']), kStatus), fromB64u(v.nonce), unhex(v['renew.info']), 64);
    expect(hex(okm)).toBe(v['renew.okm']);
    expect(hex(okm.subarray(0, 32))).toBe(v['renew.kEnc']);
    expect(hex(okm.subarray(32))).toBe(v['renew.kStatus']);
    expect(hex(T('renew-keys', fromB64u(v.tokenId), fromB64u(v.clientKey), fromB64u(v.serverKey)))).toBe(v['renew.info']);

    const sealed = sealEnvelopeSync({ kind: 'renew', kStatusOld: kStatus, tokenId: v.tokenId }, { ...req, userId: v.userId }, envelope, fixed);
    expect(sealed.response.serverKey).toBe(v.serverKey);
    expect(hex(sealed.kStatus)).toBe(v['renew.kStatus']);
    expect(open(unhex(v['renew.kEnc']), fromB64u(v.iv), fromB64u(sealed.response.ct), unhex(v['provision.aad']))).toBe(v.envelope);
  });
});
