/**
 * The test vectors of docs/protocol.md §9, checked against the WebCrypto side
 * (the extension's client, and the reference sealing of src/testing/protocol-reference.ts). The document and the fixture
 * must say the same thing, so neither can drift from the code.
 * `src/server/protocol-vectors.test.ts` checks the same vectors on node:crypto.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dammCheckDigit, normalizeActivationCode } from '../activation-code.ts';
import { formatActivationLink, parseActivationLink } from '../activation-link.ts';
import { b64u, concat, fromB64u, fromUtf8, T } from '../bytes.ts';
import { aesGcmDecrypt, ecdh, type EcdhKeyPair } from '../crypto.ts';
import { generateTOTP } from '../totp.ts';
import {
  createConfirmRequest,
  createProvisionRequest,
  createRenewRequest,
  createStatusRequest,
  openProvisionResponse,
  openRenewResponse,
} from './client.ts';
import { deriveActivationKey, deriveProvisionKeys, deriveRenewKeys, macInput, provisionProofInput, tokenAad } from './keys.ts';
import { parseConfirmRequest, parseEnvelope, parseProvisionRequest, parseRenewRequest, parseStatusRequest } from './messages.ts';
import { checkConfirmMac, checkProvisionProof, checkRenewMac, checkStatusMac, sealEnvelope } from '../../testing/protocol-reference.ts';
import vectors from './fixtures/vectors.json';

const DOC = new URL('../../../docs/protocol.md', import.meta.url);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/**
 * The `name = value` lines of the code blocks of the document's test-vector
 * section (from its heading to the next `## `), in order.
 */
function vectorsInDoc(markdown: string): Array<[string, string]> {
  const start = markdown.indexOf('\n## 9. Test vectors');
  if (start < 0) throw new Error('docs/protocol.md has no "## 9. Test vectors" section.');
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const found: Array<[string, string]> = [];
  let inBlock = false;
  for (const line of section.split('\n')) {
    if (line.startsWith('```')) inBlock = !inBlock;
    else if (inBlock) {
      const m = /^([A-Za-z][\w.]*) += (\S+)$/.exec(line);
      if (m) found.push([m[1]!, m[2]!]);
    }
  }
  return found;
}

/** A WebCrypto ECDH key pair from a fixed P-256 scalar and its public point. */
async function keyPairOf(privateHex: string, publicB64u: string): Promise<EcdhKeyPair> {
  const publicKey = fromB64u(publicB64u);
  const jwk = { kty: 'EC', crv: 'P-256', d: b64u(unhex(privateHex)), x: b64u(publicKey.slice(1, 33)), y: b64u(publicKey.slice(33)) };
  const privateKey = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  return { privateKey, publicKey };
}

const v = vectors;
const ts = Number(v.ts);
const nonce = fromB64u(v.nonce);
const seed = fromB64u(v.seed);
const envelope = JSON.parse(v.envelope) as Parameters<typeof sealEnvelope>[2];
const kAc = unhex(v['activation.kAc']);
const kStatus = unhex(v['provision.kStatus']);
const client = () => keyPairOf(v.clientPrivateKey, v.clientKey);
const server = () => keyPairOf(v.serverPrivateKey, v.serverKey);

describe('docs/protocol.md test vectors', () => {
  it('are the same in the document and in the fixture, once each', () => {
    const inDoc = vectorsInDoc(readFileSync(DOC, 'utf8'));
    expect(new Set(inDoc.map(([name]) => name)).size).toBe(inDoc.length);
    expect(Object.fromEntries(inDoc)).toEqual(vectors);
  });

  it('§2: the code carries its Damm check digit, the link its three fields, K_ac its bytes', async () => {
    expect(dammCheckDigit(v.code.slice(0, 7))).toBe(Number(v.code[7]));
    expect(normalizeActivationCode(v.code)).toBe(v.code);
    expect(formatActivationLink({ serverUrl: v.serverUrl, userId: v.userId, code: v.code })).toBe(v['activation.link']);
    expect(parseActivationLink(v['activation.link'])).toEqual({ serverUrl: v.serverUrl, userId: v.userId, code: v.code });
    expect(hex(T('activation', v.userId))).toBe(v['activation.info']);
    expect(hex(await deriveActivationKey(v.code, v.userId))).toBe(v['activation.kAc']);
  });

  it('§3: the client builds the provision request, proof included', async () => {
    const { body } = await createProvisionRequest({ serverUrl: v.serverUrl, userId: v.userId, code: v.code }, { keyPair: await client(), nonce });
    expect(body).toEqual(JSON.parse(v['provision.request']));
    expect(hex(provisionProofInput(v.userId, v.clientKey, v.nonce))).toBe(v['provision.input']);
    const req = parseProvisionRequest(JSON.parse(v['provision.request']));
    expect(await checkProvisionProof(kAc, req)).toBe(true);
    expect(await checkProvisionProof(kAc, { ...req, nonce: b64u(unhex('00'.repeat(16))) })).toBe(false);
  });

  it('§3: both ends reach Z, OKM, K_enc, K_status and the AAD', async () => {
    const [c, s] = [await client(), await server()];
    const z = await ecdh(c.privateKey, s.publicKey);
    expect(hex(z)).toBe(v['provision.z']);
    expect(await ecdh(s.privateKey, c.publicKey)).toEqual(z);
    expect(hex(T('provision-keys', v.userId, c.publicKey, s.publicKey))).toBe(v['provision.info']);
    const keys = await deriveProvisionKeys(z, kAc, nonce, v.userId, c.publicKey, s.publicKey);
    expect(hex(keys.kEnc)).toBe(v['provision.kEnc']);
    expect(hex(keys.kStatus)).toBe(v['provision.kStatus']);
    expect(hex(concat(keys.kEnc, keys.kStatus))).toBe(v['provision.okm']);
    expect(hex(tokenAad(v.userId, c.publicKey, nonce))).toBe(v['provision.aad']);
  });

  it('§3: the server seals exactly the answer, and the client opens it to the envelope', async () => {
    const { pending } = await createProvisionRequest({ serverUrl: v.serverUrl, userId: v.userId, code: v.code }, { keyPair: await client(), nonce });
    const req = parseProvisionRequest(JSON.parse(v['provision.request']));
    const sealed = await sealEnvelope({ kind: 'provision', kAc }, req, envelope, { keyPair: await server(), iv: fromB64u(v.iv) });
    expect(sealed.response).toEqual(JSON.parse(v['provision.response']));
    expect(sealed.response.ct).toBe(v['provision.ct']);
    expect(hex(sealed.kStatus)).toBe(v['provision.kStatus']);

    const plaintext = await aesGcmDecrypt(unhex(v['provision.kEnc']), fromB64u(v.iv), fromB64u(v['provision.ct']), unhex(v['provision.aad']));
    expect(fromUtf8(plaintext)).toBe(v.envelope);
    const opened = await openProvisionResponse(pending, JSON.parse(v['provision.response']));
    expect(opened.envelope).toEqual(parseEnvelope(JSON.parse(v.envelope), v.serverUrl, v.userId));
    expect(hex(opened.kStatus)).toBe(v['provision.kStatus']);
  });

  it('the otp is the TOTP of the envelope seed at ts', () => {
    expect(generateTOTP({ seed, algorithm: 'SHA1', digits: 6, period: 30 }, ts * 1000)).toBe(v.otp);
  });

  it('§4: confirm mac', async () => {
    expect(hex(macInput.confirm(v.tokenId, v.otp))).toBe(v['confirm.input']);
    const body = await createConfirmRequest(v.tokenId, kStatus, v.otp);
    expect(body).toEqual(JSON.parse(v['confirm.request']));
    const req = parseConfirmRequest(JSON.parse(v['confirm.request']));
    expect(await checkConfirmMac(kStatus, req)).toBe(true);
    expect(await checkConfirmMac(unhex(v['renew.kStatus']), req)).toBe(false);
  });

  it('§5: status mac, with and without otp', async () => {
    expect(hex(macInput.status(v.tokenId, ts, v.otp))).toBe(v['status.input']);
    expect(hex(macInput.status(v.tokenId, ts, undefined))).toBe(v['status.inputWithoutOtp']);
    const body = await createStatusRequest(v.tokenId, kStatus, ts, v.otp);
    expect(body).toEqual(JSON.parse(v['status.request']));
    expect((await createStatusRequest(v.tokenId, kStatus, ts)).mac).toBe(v['status.macWithoutOtp']);
    const req = parseStatusRequest(JSON.parse(v['status.request']));
    expect(await checkStatusMac(kStatus, req)).toBe(true);
    expect(await checkStatusMac(kStatus, { ...req, otp: undefined })).toBe(false);
    expect(await checkStatusMac(kStatus, { ...req, otp: undefined, mac: v['status.macWithoutOtp'] })).toBe(true);
  });

  it('§6: renew mac, renew keys, and a renewal the client opens', async () => {
    const old = { tokenId: v.tokenId, userId: v.userId, serverUrl: v.serverUrl, kStatus };
    const { body, pending } = await createRenewRequest(old, ts, v.otp, { keyPair: await client(), nonce });
    expect(body).toEqual(JSON.parse(v['renew.request']));
    expect(hex(macInput.renew(v.tokenId, v.clientKey, v.nonce, ts, v.otp))).toBe(v['renew.input']);
    const req = parseRenewRequest(JSON.parse(v['renew.request']));
    expect(await checkRenewMac(kStatus, req)).toBe(true);
    expect(await checkRenewMac(kStatus, { ...req, ts: ts + 1 })).toBe(false);

    const s = await server();
    const z = await ecdh(s.privateKey, fromB64u(v.clientKey));
    expect(hex(T('renew-keys', fromB64u(v.tokenId), fromB64u(v.clientKey), s.publicKey))).toBe(v['renew.info']);
    const keys = await deriveRenewKeys(z, kStatus, nonce, v.tokenId, fromB64u(v.clientKey), s.publicKey);
    expect(hex(concat(keys.kEnc, keys.kStatus))).toBe(v['renew.okm']);
    expect(hex(keys.kEnc)).toBe(v['renew.kEnc']);
    expect(hex(keys.kStatus)).toBe(v['renew.kStatus']);

    const sealed = await sealEnvelope({ kind: 'renew', kStatusOld: kStatus, tokenId: v.tokenId }, { ...req, userId: v.userId }, envelope, {
      keyPair: s,
      iv: fromB64u(v.iv),
    });
    expect(hex(sealed.kStatus)).toBe(v['renew.kStatus']);
    const renewed = await openRenewResponse(pending, sealed.response);
    expect(hex(renewed.kStatus)).toBe(v['renew.kStatus']);
    expect(renewed.envelope.seed).toBe(v.seed);
  });
});
