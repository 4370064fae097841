/** Protocol error codes and the error that carries one. @see docs/protocol.md §1 */
import { JetonError } from '../errors.ts';

/** Codes a server answers with (docs/protocol.md), each with its HTTP status. */
export const SERVER_ERRORS = {
  invalid_request: 400,
  unsupported_version: 400,
  clock_skew: 400,
  invalid_activation_code: 401,
  invalid_mac: 401,
  invalid_otp: 401,
  unauthorized: 401,
  renewal_not_open: 403,
  renewal_disabled: 403,
  no_active_token: 403,
  not_found: 404,
  activation_used: 409,
  activation_expired: 410,
  activation_locked: 423,
  locked: 423,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

/** Codes only a client raises, about what it saw of the server. */
type ClientErrorCode =
  | 'server_unreachable' // no HTTP answer at all
  | 'server_unproven' // the answer did not decrypt: the server did not know the activation code
  | 'bad_response' // an answer outside the protocol
  | 'bad_envelope' // a decrypted envelope that breaks §3's rules
  | 'activation_replaced'; // §3 `invalid_activation_code` with `replaced: true`: the code was right, a newer one replaced it

export type ProtocolErrorCode = ServerErrorCode | ClientErrorCode;

export class ProtocolError extends JetonError {
  declare readonly code: ProtocolErrorCode;
  constructor(
    code: ProtocolErrorCode,
    message: string,
    /** Extra fields of the error body (`serverTime`, `retryAfter`…). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(code, message);
  }

  get status(): number {
    return (SERVER_ERRORS as Record<string, number>)[this.code] ?? 500;
  }
}

export const isServerErrorCode = (code: string): code is ServerErrorCode => Object.hasOwn(SERVER_ERRORS, code);
