import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64u } from '../bytes.ts';
import { ProtocolError } from './errors.ts';
import { parseConfirmRequest, parseProvisionRequest, parseRenewRequest, parseStatusRequest, parseVerifyRequest } from './messages.ts';

const bytes = (n: number) => b64u(new Uint8Array(n).fill(7));
const provision = { v: 1, userId: 'format01', clientKey: bytes(65), nonce: bytes(16), proof: bytes(32), device: { name: 'Chrome' } };

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as ProtocolError).code;
  }
};

describe('request validation', () => {
  it('accepts a well-formed provision request and normalises the user ID', () => {
    expect(parseProvisionRequest({ ...provision, userId: ' Format01 ' }).userId).toBe('format01');
    expect(parseProvisionRequest({ ...provision, device: undefined }).device).toBeUndefined();
  });

  it.each([
    ['an unknown field', { ...provision, extra: 1 }, 'invalid_request'],
    ['a missing field', { ...provision, proof: undefined }, 'invalid_request'],
    ['a short key', { ...provision, clientKey: bytes(64) }, 'invalid_request'],
    ['a padded nonce', { ...provision, nonce: `${bytes(16)}==` }, 'invalid_request'],
    ['a numeric user ID', { ...provision, userId: 42 }, 'invalid_request'],
    ['a long device name', { ...provision, device: { name: 'x'.repeat(65) } }, 'invalid_request'],
    ['an unknown device field', { ...provision, device: { name: 'a', os: 'b' } }, 'invalid_request'],
    ['version 2', { ...provision, v: 2 }, 'unsupported_version'],
    ['version "1"', { ...provision, v: '1' }, 'unsupported_version'],
    ['no version', { ...provision, v: undefined }, 'invalid_request'],
    ['an array', [provision], 'invalid_request'],
    ['null', null, 'invalid_request'],
  ])('answers %s with its code', (_name, body, expected) => {
    expect(codeOf(() => parseProvisionRequest(JSON.parse(JSON.stringify(body))))).toBe(expected);
  });

  it('checks otp, ts and mac in confirm, status and renew', () => {
    const base = { v: 1, tokenId: bytes(16), mac: bytes(32) };
    expect(parseConfirmRequest({ ...base, otp: '123456' }).otp).toBe('123456');
    expect(codeOf(() => parseConfirmRequest({ ...base, otp: '12345' }))).toBe('invalid_request');
    expect(codeOf(() => parseConfirmRequest({ ...base, otp: 123456 }))).toBe('invalid_request');
    expect(parseStatusRequest({ ...base, ts: 1_764_370_800 }).otp).toBeUndefined();
    expect(codeOf(() => parseStatusRequest({ ...base, ts: 1.5 }))).toBe('invalid_request');
    expect(codeOf(() => parseStatusRequest({ ...base, ts: '1764370800' }))).toBe('invalid_request');
    expect(codeOf(() => parseRenewRequest({ ...base, ts: 1, otp: '123456', clientKey: bytes(65) }))).toBe('invalid_request');
    expect(parseVerifyRequest({ userId: 'A', otp: '12345678' })).toEqual({ userId: 'a', otp: '12345678' });
  });

  it('never throws anything but a ProtocolError on arbitrary JSON', () => {
    const parsers = [parseProvisionRequest, parseConfirmRequest, parseStatusRequest, parseRenewRequest, parseVerifyRequest];
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ v: fc.constant(1), userId: fc.string(), otp: fc.string(), tokenId: fc.string() })), (value) => {
        for (const parse of parsers) {
          try {
            parse(value);
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError);
            expect(['invalid_request', 'unsupported_version']).toContain((err as ProtocolError).code);
          }
        }
      }),
    );
  });
});
