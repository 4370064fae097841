/** Byte helpers shared by the extension and the server (no Node `Buffer`, no DOM). */
import { JetonError } from './errors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64U_INDEX = new Map([...B64U].map((c, i) => [c, i]));

/** base64url without padding. @see docs/protocol.md §1 */
export function b64u(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64U[n >> 18]! + B64U[(n >> 12) & 63]! + B64U[(n >> 6) & 63]! + B64U[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64U[n >> 18]! + B64U[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64U[n >> 18]! + B64U[(n >> 12) & 63]! + B64U[(n >> 6) & 63]!;
  }
  return out;
}

/** Strict base64url decoding: no padding, no other alphabet, canonical trailing bits. */
export function fromB64u(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new JetonError('invalid_base64url', 'Not base64url.');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const c of text) {
    const v = B64U_INDEX.get(c);
    if (v === undefined) throw new JetonError('invalid_base64url', 'Not base64url.');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new JetonError('invalid_base64url', 'Not canonical base64url.');
  return out;
}

/**
 * T(x1, …, xn): each field as a 4-byte big-endian length then its bytes; strings
 * as UTF-8, integers as their decimal string. @see docs/protocol.md §1
 */
export function T(...fields: Array<string | number | Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of fields) {
    let bytes: Uint8Array;
    if (typeof field === 'number') {
      if (!Number.isSafeInteger(field)) throw new JetonError('invalid_field', 'T() takes whole numbers only.');
      bytes = utf8(String(field));
    } else bytes = typeof field === 'string' ? utf8(field) : field;
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, bytes.length);
    parts.push(len, bytes);
  }
  return concat(...parts);
}
