import { describe, expect, it } from 'vitest';
import { generateActivationCode } from '../activation-code.ts';
import { b64u, fromB64u, T } from '../bytes.ts';
import { generateTOTP } from '../totp.ts';
import { createConfirmRequest, createProvisionRequest, createRenewRequest, createStatusRequest, openProvisionResponse, openRenewResponse } from './client.ts';
import { ProtocolError } from './errors.ts';
import { deriveActivationKey } from './keys.ts';
import { parseProvisionRequest } from './messages.ts';
import { SAMPLE_SERVER_URL, sampleEnvelope } from '../../testing/sample-envelope.ts';
import { checkConfirmMac, checkProvisionProof, checkRenewMac, checkStatusMac, newTokenSecrets, sealEnvelope } from '../../testing/protocol-reference.ts';

const SERVER_URL = SAMPLE_SERVER_URL;
const envelopeFor = sampleEnvelope;

describe('provision round trip', () => {
  it('derives the same keys on both sides and opens the envelope', async () => {
    const code = generateActivationCode();
    const { body, pending } = await createProvisionRequest({ serverUrl: SERVER_URL, userId: ' Format01 ', code, deviceName: 'Chrome' });
    expect(body.userId).toBe('format01');
    const req = parseProvisionRequest(JSON.parse(JSON.stringify(body)));
    const kAc = await deriveActivationKey(code, req.userId);
    expect(await checkProvisionProof(kAc, req)).toBe(true);
    const { tokenId, seed } = newTokenSecrets();
    const { response, kStatus } = await sealEnvelope({ kind: 'provision', kAc }, req, envelopeFor(req.userId, tokenId, seed));
    const token = await openProvisionResponse(pending, JSON.parse(JSON.stringify(response)));
    expect(token.envelope.tokenId).toBe(tokenId);
    expect(fromB64u(token.envelope.seed)).toEqual(seed);
    expect(token.kStatus).toEqual(kStatus);

    const otp = generateTOTP({ seed, algorithm: 'SHA1', digits: 6, period: 30 }, 1_764_370_800_000);
    expect(await checkConfirmMac(kStatus, await createConfirmRequest(tokenId, token.kStatus, otp))).toBe(true);
    expect(await checkStatusMac(kStatus, await createStatusRequest(tokenId, token.kStatus, 1_764_370_800))).toBe(true);
    expect(await checkStatusMac(kStatus, await createStatusRequest(tokenId, token.kStatus, 1_764_370_800, otp))).toBe(true);
    const forged = await createStatusRequest(tokenId, new Uint8Array(32), 1_764_370_800);
    expect(await checkStatusMac(kStatus, forged)).toBe(false);
  });

  it('rejects a wrong activation code on the server and a fake server on the client', async () => {
    const code = generateActivationCode();
    const other = generateActivationCode();
    const { body, pending } = await createProvisionRequest({ serverUrl: SERVER_URL, userId: 'format01', code });
    const wrongKac = await deriveActivationKey(other, 'format01');
    expect(await checkProvisionProof(wrongKac, body)).toBe(false);
    const { tokenId, seed } = newTokenSecrets();
    const { response } = await sealEnvelope({ kind: 'provision', kAc: wrongKac }, body, envelopeFor('format01', tokenId, seed));
    await expect(openProvisionResponse(pending, response)).rejects.toMatchObject({ code: 'server_unproven' });
  });

  it('renews under K_status of the old token', async () => {
    const kStatusOld = crypto.getRandomValues(new Uint8Array(32));
    const old = { tokenId: b64u(crypto.getRandomValues(new Uint8Array(16))), userId: 'format01', serverUrl: SERVER_URL, kStatus: kStatusOld };
    const { body, pending } = await createRenewRequest(old, 1_764_370_800, '123456');
    expect(await checkRenewMac(kStatusOld, body)).toBe(true);
    const { tokenId, seed } = newTokenSecrets(32);
    const { response, kStatus } = await sealEnvelope({ kind: 'renew', kStatusOld, tokenId: old.tokenId }, { ...body, userId: 'format01' }, envelopeFor('format01', tokenId, seed));
    const renewed = await openRenewResponse(pending, response);
    expect(renewed.kStatus).toEqual(kStatus);
    expect(renewed.envelope.tokenId).toBe(tokenId);
  });

  it('refuses an envelope whose endpoints leave the server origin', async () => {
    const code = generateActivationCode();
    const { body, pending } = await createProvisionRequest({ serverUrl: SERVER_URL, userId: 'format01', code });
    const kAc = await deriveActivationKey(code, 'format01');
    const { tokenId, seed } = newTokenSecrets();
    const evil = { ...envelopeFor('format01', tokenId, seed), statusUrl: 'https://evil.example/status' };
    const { response } = await sealEnvelope({ kind: 'provision', kAc }, body, evil);
    const err = await openProvisionResponse(pending, response).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('bad_envelope');
  });
});

describe('T()', () => {
  it('prefixes each field with its 4-byte big-endian length', () => {
    expect([...T('ab', 12, new Uint8Array([7]))]).toEqual([0, 0, 0, 2, 97, 98, 0, 0, 0, 2, 49, 50, 0, 0, 0, 1, 7]);
  });
});
