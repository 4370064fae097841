import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64u, fromB64u } from './bytes.ts';

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
