/**
 * Every error code Jeton gives, as one union: the protocol's (server and
 * client, core/protocol/errors.ts) and the extension's own. The popup's
 * sentence tables are typed by it, so a code without a sentence in French and
 * English does not compile.
 */
import type { ProtocolErrorCode } from './protocol/errors.ts';

/** Codes the extension raises about what was typed, what it holds, or who asked. */
type ExtensionErrorCode =
  // What the user typed
  | 'code_length'
  | 'code_checksum'
  | 'invalid_link'
  | 'invalid_user_id'
  | 'invalid_url'
  | 'insecure_url'
  | 'pin_empty'
  | 'pin_too_short'
  | 'pin_mismatch'
  | 'backup_password_short'
  // PIN checks and lockouts seen by the extension
  | 'pin_incorrect'
  | 'pin_required'
  | 'login_locked'
  // Setup and renewal
  | 'setup_in_progress'
  | 'no_setup'
  | 'renewal_expired'
  | 'renewal_unavailable'
  | 'renewal_failed'
  | 'server_error' // a server's own failure (`internal_error`), told apart from the extension's
  // The vault and its backups
  | 'vault_damaged'
  | 'vault_readable'
  | 'vault_key_missing'
  | 'vault_key_mismatch'
  | 'vault_too_new'
  | 'backup_nothing'
  | 'backup_invalid'
  | 'backup_password'
  | 'backup_too_new'
  // The organisation's policy
  | 'login_origin_not_allowed'
  | 'managed_setting'
  | 'demo_disabled'
  // Messages between the extension's parts, filling codes
  | 'invalid_message'
  | 'forbidden_sender'
  | 'not_offered'
  | 'background_unreachable'
  | 'clipboard'
  // Programming errors in core's primitives: no user input reaches them
  | 'invalid_digits'
  | 'invalid_field'
  | 'invalid_base64url'
  | 'decryption_failed'
  | 'invalid_public_key';

export type ErrorCode = ProtocolErrorCode | ExtensionErrorCode;

/** Base of every error Jeton's core throws: a stable `code` for programs, a message for people. */
export class JetonError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
