import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64u, constantTimeEqual, fromB64u } from './bytes.ts';

describe('base64url', () => {
  it('agrees with Node on every input and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = b64u(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromB64u(text)).toEqual(bytes);
      }),
    );
  });

  it.each(['ab=', 'a', 'ab+c', 'ab/c', 'ab c', 'AB'])('rejects %j (padding, other alphabet, non-canonical)', (text) => {
    expect(() => fromB64u(text)).toThrow(expect.objectContaining({ code: 'invalid_base64url' }));
  });
});

describe('constantTimeEqual', () => {
  it('tells equal from different', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });
});
