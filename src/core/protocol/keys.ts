/** Every key derivation and MAC of the protocol, each built with T(). @see docs/protocol.md §2–§6 */
import { concat, fromB64u, T, utf8 } from '../bytes.ts';
import { hkdf, hmac, hmacVerify } from '../crypto.ts';

const ACTIVATION_SALT = utf8('jeton/aotp/v1');

/** K_ac = HKDF(code, "jeton/aotp/v1", T("activation", userId), 32). @see docs/protocol.md §2 */
export const deriveActivationKey = (code: string, userId: string): Promise<Uint8Array> =>
  hkdf(utf8(code), ACTIVATION_SALT, T('activation', userId), 32);

/** proof = HMAC(K_ac, T("provision", userId, clientKey, nonce)), fields as sent (base64url). @see docs/protocol.md §3 */
export const provisionProofInput = (userId: string, clientKey: string, nonce: string): Uint8Array =>
  T('provision', userId, fromB64u(clientKey), fromB64u(nonce));

export interface TokenKeys {
  kEnc: Uint8Array;
  kStatus: Uint8Array;
}

async function split(okm: Promise<Uint8Array>): Promise<TokenKeys> {
  const bytes = await okm;
  return { kEnc: bytes.slice(0, 32), kStatus: bytes.slice(32, 64) };
}

/** OKM = HKDF(Z || K_ac, nonce, T("provision-keys", userId, clientKey, serverKey), 64). @see docs/protocol.md §3 */
export const deriveProvisionKeys = (
  z: Uint8Array,
  kAc: Uint8Array,
  nonce: Uint8Array,
  userId: string,
  clientKey: Uint8Array,
  serverKey: Uint8Array,
): Promise<TokenKeys> => split(hkdf(concat(z, kAc), nonce, T('provision-keys', userId, clientKey, serverKey), 64));

/** OKM = HKDF(Z || K_status_old, nonce, T("renew-keys", tokenId, clientKey, serverKey), 64). @see docs/protocol.md §6 */
export const deriveRenewKeys = (
  z: Uint8Array,
  kStatusOld: Uint8Array,
  nonce: Uint8Array,
  tokenId: string,
  clientKey: Uint8Array,
  serverKey: Uint8Array,
): Promise<TokenKeys> =>
  split(hkdf(concat(z, kStatusOld), nonce, T('renew-keys', fromB64u(tokenId), clientKey, serverKey), 64));

/** aad = T("token", userId, clientKey, nonce). @see docs/protocol.md §3 */
export const tokenAad = (userId: string, clientKey: Uint8Array, nonce: Uint8Array): Uint8Array => T('token', userId, clientKey, nonce);

/**
 * The MAC inputs of §4, §5 and §6, from the fields as sent. Binary fields
 * (tokenId, clientKey, nonce) enter T() as their decoded bytes, like every
 * `<N B>` field of the protocol.
 */
export const macInput = {
  confirm: (tokenId: string, otp: string) => T('confirm', fromB64u(tokenId), otp),
  status: (tokenId: string, ts: number, otp: string | undefined) => T('status', fromB64u(tokenId), ts, otp ?? ''),
  renew: (tokenId: string, clientKey: string, nonce: string, ts: number, otp: string) =>
    T('renew', fromB64u(tokenId), fromB64u(clientKey), fromB64u(nonce), ts, otp),
};

export const mac = (key: Uint8Array, input: Uint8Array): Promise<Uint8Array> => hmac(key, input);
export const checkMac = (key: Uint8Array, input: Uint8Array, macB64u: string): Promise<boolean> =>
  hmacVerify(key, input, fromB64u(macB64u));
