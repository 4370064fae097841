/** Direct reads of the database for tests' assertions. */
import type { Token } from '../../server/db/schema.ts';
import type { Harness } from './harness.ts';

export const tokenRow = (h: Harness, tokenId: string): Promise<Token | undefined> =>
  h.ctx.db.selectFrom('tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();

export const userRow = (h: Harness, username: string) =>
  h.ctx.db.selectFrom('users').select(['id', 'login_failures', 'login_locked_until']).where('username', '=', username).executeTakeFirstOrThrow();
