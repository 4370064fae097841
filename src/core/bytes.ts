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
/** Each ASCII character's value in base64url, -1 for those outside the alphabet. */
const B64U_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B64U.length; i++) B64U_INDEX[B64U.charCodeAt(i)] = i;

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

/**
 * Strict base64url decoding: no padding, no other alphabet, canonical trailing bits.
 * By UTF-16 unit through a table: every request and sealed secret goes through it.
 */
export function fromB64u(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new JetonError('invalid_base64url', 'Not base64url.');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? B64U_INDEX[code]! : -1;
    if (v < 0) throw new JetonError('invalid_base64url', 'Not base64url.');
    acc = ((acc << 6) | v) & 0xffffff;
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
  let length = 0;
  for (const field of fields) {
    let bytes: Uint8Array;
    if (typeof field === 'number') {
      if (!Number.isSafeInteger(field)) throw new JetonError('invalid_field', 'T() takes whole numbers only.');
      bytes = utf8(String(field));
    } else bytes = typeof field === 'string' ? utf8(field) : field;
    parts.push(bytes);
    length += 4 + bytes.length;
  }
  // One buffer, lengths written in place: T() is on every MAC, proof and sealed secret.
  const out = new Uint8Array(length);
  let at = 0;
  for (const bytes of parts) {
    const n = bytes.length;
    out[at] = n >>> 24;
    out[at + 1] = (n >>> 16) & 0xff;
    out[at + 2] = (n >>> 8) & 0xff;
    out[at + 3] = n & 0xff;
    out.set(bytes, at + 4);
    at += 4 + n;
  }
  return out;
}
