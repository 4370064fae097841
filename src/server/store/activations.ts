/** Activations: issuing one (portal, CLI) and reading where it stands. @see docs/protocol.md §2–§3 */
import { formatActivationLink } from '../../core/activation-link.ts';
import { generateActivationCode } from '../../core/activation-code.ts';
import { deriveActivationKey } from '../../core/protocol/keys.ts';
import { provisionUrl } from '../config.ts';
import type { AppContext } from '../context.ts';

export interface IssuedActivation {
  activationId: number;
  /** The 8-digit code: shown once and mailed, never stored (only K_ac is, sealed). */
  code: string;
  serverUrl: string;
  userId: string;
  link: string;
  expiresAt: number;
}

export class UnknownProfileError extends Error {}

export const activationKeyContext = (activationId: number): string => `activations.k_ac:${activationId}`;

/**
 * Issues a fresh activation for a user and profile. Older open activations of
 * the same user and profile stop counting: the protocol uses the newest (§3).
 */
export async function issueActivation(ctx: AppContext, user: { id: number; username: string }, profileName: string): Promise<IssuedActivation> {
  const profile = ctx.config.profiles[profileName];
  if (!profile) throw new UnknownProfileError(`Unknown profile ${profileName}.`);
  const code = generateActivationCode();
  const kAc = await deriveActivationKey(code, user.username);
  const now = ctx.now();
  const expiresAt = now + profile.activationValidityHours * 3_600_000;
  const activationId = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('activations')
      .values({ user_id: user.id, profile: profileName, k_ac: null, created_at: now, expires_at: expiresAt, state: 'open', used_at: null, token_id: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    // K_ac is sealed for its row, so the row must exist first.
    const sealed = await ctx.masterKey.seal(kAc, activationKeyContext(row.id));
    await trx.updateTable('activations').set({ k_ac: sealed }).where('id', '=', row.id).execute();
    return row.id;
  });
  const serverUrl = provisionUrl(ctx.config, profileName);
  return { activationId, code, serverUrl, userId: user.username, link: formatActivationLink({ serverUrl, userId: user.username, code }), expiresAt };
}

export type ActivationProgress = 'waiting' | 'provisioned' | 'active' | 'expired' | 'locked' | 'unknown';

/** Where an activation stands, for the portal's "Soumettre" step. @see docs/protocol.md §4 */
export async function activationProgress(ctx: AppContext, activationId: number): Promise<ActivationProgress> {
  const row = await ctx.db
    .selectFrom('activations')
    .leftJoin('tokens', 'tokens.activation_id', 'activations.id')
    .select(['activations.state', 'activations.expires_at', 'tokens.state as token_state'])
    .where('activations.id', '=', activationId)
    .executeTakeFirst();
  if (!row) return 'unknown';
  if (row.state === 'locked') return 'locked';
  if (row.state === 'used') return row.token_state === 'active' || row.token_state === 'superseded' ? 'active' : 'provisioned';
  return row.expires_at <= ctx.now() ? 'expired' : 'waiting';
}
