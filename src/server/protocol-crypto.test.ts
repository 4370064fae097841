import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateActivationCode } from '../core/activation-code.ts';
import { b64u } from '../core/bytes.ts';
import { createConfirmRequest, createProvisionRequest, createRenewRequest, createStatusRequest, openProvisionResponse, openRenewResponse } from '../core/protocol/client.ts';
import { deriveActivationKey } from '../core/protocol/keys.ts';
import { SAMPLE_SERVER_URL, sampleEnvelope } from '../testing/sample-envelope.ts';
import { checkConfirmMac, checkProvisionProof, checkRenewMac, checkStatusMac } from '../testing/protocol-reference.ts';
import { checkConfirmMacSync, checkProvisionProofSync, checkRenewMacSync, checkStatusMacSync, hkdf64, sealEnvelopeSync } from './protocol-crypto.ts';

const SERVER_URL = SAMPLE_SERVER_URL;
const envelope = (tokenId: string) => sampleEnvelope('format01', tokenId, new Uint8Array(20).fill(7));
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe('node:crypto protocol functions', () => {
  it('derive HKDF-SHA256 like node:crypto (RFC 5869 test case 1 and random inputs)', () => {
    const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
    const okm = hkdf64(hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(Buffer.from(okm).toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    for (const length of [16, 32, 33, 64]) {
      const [ikm, salt, info] = [random(45), random(16), random(70)];
      expect(hkdf64(ikm, salt, info, length)).toEqual(new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)));
    }
  });

  it('agree with the WebCrypto ones on proofs and MACs, right and wrong', async () => {
    const code = generateActivationCode();
    const { body } = await createProvisionRequest({ serverUrl: SERVER_URL, userId: 'format01', code });
    const kAc = await deriveActivationKey(code, 'format01');
    expect(checkProvisionProofSync(kAc, body)).toBe(true);
    expect(checkProvisionProofSync(random(32), body)).toBe(await checkProvisionProof(random(32), body));
    const kStatus = random(32);
    const tokenId = b64u(random(16));
    const confirmReq = await createConfirmRequest(tokenId, kStatus, '123456');
    expect(checkConfirmMacSync(kStatus, confirmReq)).toBe(await checkConfirmMac(kStatus, confirmReq));
    expect(checkConfirmMacSync(kStatus, { ...confirmReq, otp: '123457' })).toBe(false);
    for (const otp of [undefined, '654321']) {
      const statusReq = await createStatusRequest(tokenId, kStatus, 1_764_370_800, otp);
      expect(checkStatusMacSync(kStatus, statusReq)).toBe(true);
      expect(await checkStatusMac(kStatus, statusReq)).toBe(true);
      expect(checkStatusMacSync(kStatus, { ...statusReq, ts: 1_764_370_801 })).toBe(false);
    }
    const { body: renewReq } = await createRenewRequest({ tokenId, userId: 'format01', serverUrl: SERVER_URL, kStatus }, 1_764_370_800, '123456');
    expect(checkRenewMacSync(kStatus, renewReq)).toBe(await checkRenewMac(kStatus, renewReq));
    expect(checkRenewMacSync(random(32), renewReq)).toBe(false);
  });

  it('seal envelopes the real client opens, for provision and renewal, with the same K_status', async () => {
    const code = generateActivationCode();
    const { body, pending } = await createProvisionRequest({ serverUrl: SERVER_URL, userId: 'format01', code });
    const kAc = await deriveActivationKey(code, 'format01');
    const tokenId = b64u(random(16));
    const sealed = sealEnvelopeSync({ kind: 'provision', kAc }, body, envelope(tokenId));
    const opened = await openProvisionResponse(pending, sealed.response);
    expect(opened.envelope.tokenId).toBe(tokenId);
    expect(opened.kStatus).toEqual(sealed.kStatus);

    const renewal = await createRenewRequest({ tokenId, userId: 'format01', serverUrl: SERVER_URL, kStatus: sealed.kStatus }, 1_764_370_800, '123456');
    const next = b64u(random(16));
    const resealed = sealEnvelopeSync({ kind: 'renew', kStatusOld: sealed.kStatus, tokenId }, { ...renewal.body, userId: 'format01' }, envelope(next));
    const reopened = await openRenewResponse(renewal.pending, resealed.response);
    expect(reopened.envelope.tokenId).toBe(next);
    expect(reopened.kStatus).toEqual(resealed.kStatus);
  });

  it('refuse a client key that is not a point of P-256 with invalid_request', async () => {
    const { body } = await createProvisionRequest({ serverUrl: SERVER_URL, userId: 'format01', code: generateActivationCode() });
    for (const key of [new Uint8Array(65), new Uint8Array(65).fill(4), random(65)]) {
      key[0] = 4;
      expect(() => sealEnvelopeSync({ kind: 'provision', kAc: random(32) }, { ...body, clientKey: b64u(key) }, envelope(b64u(random(16))))).toThrow(
        expect.objectContaining({ code: 'invalid_request' }),
      );
    }
  });
});
