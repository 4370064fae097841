/**
 * The database's tables as Kysely sees them. Times are milliseconds since the
 * epoch (BIGINT); secrets are sealed with the master key (see ../secrets.ts)
 * and stored as base64url text, so SQLite and PostgreSQL hold the same values.
 */
import type { Generated, Insertable, Selectable } from 'kysely';

interface UsersTable {
  id: Generated<number>;
  /** Canonical user ID (normalizeUserId). */
  username: string;
  email: string;
  /** scrypt hash for the sample login page; null when the user has none. */
  password_hash: string | null;
  /** Personal message shown on the portal (anti-phishing). */
  message: string;
  /** Personal image: MIME type and base64 bytes; null for the default image. */
  image_type: string | null;
  image_data: string | null;
  created_at: number;
  /** §7 lockout: consecutive failed codes and until when logins are refused. */
  login_failures: Generated<number>;
  login_locked_until: number | null;
}

export interface SecurityQuestionsTable {
  id: Generated<number>;
  user_id: number;
  question: string;
  /** scrypt hash of the normalised answer (case and accents folded). */
  answer_hash: string;
}

/** Failed answers at the portal's identity step, by username (known or not). */
interface IdentityAttemptsTable {
  username: string;
  failures: number;
  locked_until: number | null;
}

type ActivationState = 'open' | 'used' | 'locked';

interface ActivationsTable {
  id: Generated<number>;
  user_id: number;
  profile: string;
  /** K_ac sealed with the master key; cleared once used, locked or expired. */
  k_ac: string | null;
  created_at: number;
  expires_at: number;
  failures: Generated<number>;
  state: ActivationState;
  used_at: number | null;
  /** The token provisioned with it. */
  token_id: string | null;
}

export type TokenState = 'pending' | 'active' | 'superseded' | 'revoked';

interface TokensTable {
  /** tokenId, base64url of 16 bytes. */
  id: string;
  user_id: number;
  profile: string;
  activation_id: number | null;
  /** For a renewal: the token it supersedes once confirmed. */
  renews_token_id: string | null;
  device_name: string;
  /** Seed and K_status, sealed with the master key. */
  seed: string;
  k_status: string;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: number;
  period: number;
  state: TokenState;
  issued_at: number;
  expires_at: number;
  confirmed_at: number | null;
  confirm_failures: Generated<number>;
  /** Highest time step accepted for login (§7 replay guard); -1 when none. */
  last_step: Generated<number>;
  revoked_at: number | null;
}

/** One row per token and threshold: reminders are sent once each. */
interface RemindersTable {
  token_id: string;
  days: number;
  sent_at: number;
}

interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  /** SHA-256 of the key, base64url. */
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
}

interface PortalSessionsTable {
  /** SHA-256 of the cookie value, base64url. */
  id: string;
  /** JSON of the portal's state machine for this visitor. */
  data: string;
  csrf: string;
  created_at: number;
  expires_at: number;
}

interface AuditTable {
  id: Generated<number>;
  at: number;
  event: string;
  username: string | null;
  ip: string | null;
  /** JSON; never a secret, code or seed. */
  detail: string;
}

/** Rate limits: hits of a key (`bucket|scope|value`) in its current fixed window. */
interface RateLimitsTable {
  key: string;
  window_start: number;
  hits: number;
}

export interface Database {
  users: UsersTable;
  security_questions: SecurityQuestionsTable;
  identity_attempts: IdentityAttemptsTable;
  activations: ActivationsTable;
  tokens: TokensTable;
  reminders: RemindersTable;
  api_keys: ApiKeysTable;
  portal_sessions: PortalSessionsTable;
  audit: AuditTable;
  rate_limits: RateLimitsTable;
}

export type User = Selectable<UsersTable>;
export type Activation = Selectable<ActivationsTable>;
export type Token = Selectable<TokensTable>;
export type NewToken = Insertable<TokensTable>;
