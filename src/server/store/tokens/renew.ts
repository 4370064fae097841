/** Renewal: the new pending token that names the token it renews. @see docs/protocol.md §6 */
import type { NewToken } from '../../db/schema.ts';
import type { Tx } from '../write-queue.ts';

/**
 * Stores a renewal (a pending token that names the token it renews). An
 * earlier pending renewal of the same token is dropped: only the newest can
 * be confirmed. @see docs/protocol.md §6
 */
export async function insertRenewal(tx: Tx, token: NewToken & { renews_token_id: string }): Promise<void> {
  await tx.deleteFrom('tokens').where('renews_token_id', '=', token.renews_token_id).where('state', '=', 'pending').execute();
  await tx.insertInto('tokens').values(token).execute();
}
