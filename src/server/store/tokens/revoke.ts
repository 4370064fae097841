/** Revocation (portal, admin CLI) and the purge of pending tokens never confirmed. */
import type { AppContext } from '../../context.ts';
import { audit } from '../audit.ts';
import { writes } from '../write-queue.ts';
import type { TokenCtx } from './row.ts';

/**
 * Revokes a token (pending or active), drops its pending renewals and audits
 * `token.revoked`; true when it was live. For the portal and the admin CLI.
 */
export async function revokeToken(ctx: TokenCtx, tokenId: string, by: { ip?: string | null; via?: string } = {}): Promise<boolean> {
  const now = ctx.now();
  return writes(ctx).run(async (tx) => {
    const res = await tx
      .updateTable('tokens')
      .set({ state: 'revoked', revoked_at: now })
      .where('id', '=', tokenId)
      .where('state', 'in', ['pending', 'active'])
      .returning('user_id')
      .executeTakeFirst();
    await tx.deleteFrom('tokens').where('renews_token_id', '=', tokenId).where('state', '=', 'pending').execute();
    if (!res) return false;
    const owner = await tx.selectFrom('users').select('username').where('id', '=', res.user_id).executeTakeFirst();
    await audit({ db: tx, now: () => now }, 'token.revoked', { username: owner?.username ?? null, ip: by.ip ?? null, detail: { tokenId, via: by.via ?? 'admin' } });
    return true;
  });
}

/**
 * Deletes pending tokens whose confirmation window is over, per profile, and
 * erases K_ac of activations past their validity. For the purge job; returns
 * how many tokens went.
 */
export async function purgeStalePending(ctx: TokenCtx & Pick<AppContext, 'config'>): Promise<number> {
  const now = ctx.now();
  let removed = 0;
  for (const [name, profile] of Object.entries(ctx.config.profiles)) {
    const res = await ctx.db
      .deleteFrom('tokens')
      .where('state', '=', 'pending')
      .where('profile', '=', name)
      .where('issued_at', '<=', now - profile.activationValidityHours * 3_600_000)
      .executeTakeFirst();
    removed += Number(res.numDeletedRows);
  }
  await ctx.db.updateTable('activations').set({ k_ac: null }).where('expires_at', '<=', now).where('k_ac', 'is not', null).execute();
  return removed;
}
