/**
 * A token's row: the one place a new token's row is built, where its secrets
 * are sealed to their row and column, and what every token operation shares
 * (its status, its confirmation deadline, the row read with its owner).
 * @see docs/protocol.md §3–§6
 */
import type { Profile } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import type { NewToken, Token } from '../../db/schema.ts';
import type { MasterKey } from '../../secrets.ts';

/** Where a sealed seed and K_status belong: sealed values cannot move to another row or column. */
export const seedContext = (tokenId: string): string => `tokens.seed:${tokenId}`;
export const kStatusContext = (tokenId: string): string => `tokens.k_status:${tokenId}`;

/** A token with its owner's canonical user ID and §7 lock state. */
export type TokenWithUser = Token & { username: string; login_failures: number; login_locked_until: number | null };

/** The database handle and clock the token operations use. */
export type TokenCtx = Pick<AppContext, 'db' | 'now' | 'dialect'>;

/** What an audit row of a token operation says besides its event and time. */
export type AuditFields = { username: string; ip: string | null; detail: Record<string, string | number | boolean | null> };

/** The columns a new token's row gives, in the order PostgreSQL's batched insert lists them (pg-batches.ts). */
export const NEW_TOKEN_COLUMNS = [
  'id',
  'user_id',
  'profile',
  'activation_id',
  'renews_token_id',
  'device_name',
  'seed',
  'k_status',
  'algorithm',
  'digits',
  'period',
  'state',
  'issued_at',
  'expires_at',
  'confirmed_at',
  'revoked_at',
] as const satisfies ReadonlyArray<keyof NewToken>;

export interface PendingTokenFields {
  id: string;
  userId: number;
  /** The profile's name and the code settings it gives. */
  profile: string;
  settings: Pick<Profile, 'algorithm' | 'digits' | 'period'>;
  /** The activation it consumes (provisioning) or the token it renews (renewal). */
  activationId: number | null;
  renewsTokenId: string | null;
  deviceName: string;
  /** Plain secrets: sealed here, left to the caller to erase. */
  seed: Uint8Array;
  kStatus: Uint8Array;
  issuedAt: number;
  expiresAt: number;
}

/** The row of a new pending token, its seed and K_status sealed under the master key. */
export function pendingTokenRow(masterKey: MasterKey, t: PendingTokenFields): NewToken & { state: 'pending' } {
  const row: Record<(typeof NEW_TOKEN_COLUMNS)[number], unknown> & NewToken & { state: 'pending' } = {
    id: t.id,
    user_id: t.userId,
    profile: t.profile,
    activation_id: t.activationId,
    renews_token_id: t.renewsTokenId,
    device_name: t.deviceName,
    seed: masterKey.sealSync(t.seed, seedContext(t.id)),
    k_status: masterKey.sealSync(t.kStatus, kStatusContext(t.id)),
    algorithm: t.settings.algorithm,
    digits: t.settings.digits,
    period: t.settings.period,
    state: 'pending',
    issued_at: t.issuedAt,
    expires_at: t.expiresAt,
    confirmed_at: null,
    revoked_at: null,
  };
  return row;
}

/** The protocol's status of a stored token at `now`. @see docs/protocol.md §5 */
export function tokenStatus(token: Pick<Token, 'state' | 'expires_at'>, now: number): 'pending' | 'active' | 'superseded' | 'revoked' | 'expired' {
  if (token.state === 'active' && token.expires_at <= now) return 'expired';
  return token.state;
}

/** A pending token not confirmed within the activation validity counts as discarded. @see docs/protocol.md §3 */
export const pendingDeadline = (token: Pick<Token, 'issued_at'>, profile: Pick<Profile, 'activationValidityHours'>): number =>
  token.issued_at + profile.activationValidityHours * 3_600_000;
