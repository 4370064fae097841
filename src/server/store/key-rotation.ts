/**
 * Master key rotation: every sealed value (K_ac, seeds, K_status) is opened
 * with the old key and sealed with the new one in a single transaction, so a
 * crash leaves either all of it under the old key or all under the new.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { MasterKey, syncDirectory } from '../secrets.ts';
import { activationKeyContext } from './activations.ts';
import { kStatusContext, seedContext } from './tokens/row.ts';

export interface RotationCounts {
  activations: number;
  tokens: number;
}

/** Re-seals everything under `next`; throws (changing nothing) if a value does not open with `current`. */
export async function resealAll(db: Kysely<Database>, current: MasterKey, next: MasterKey): Promise<RotationCounts> {
  return db.transaction().execute(async (trx) => {
    const activations = await trx.selectFrom('activations').select(['id', 'k_ac']).where('k_ac', 'is not', null).execute();
    for (const a of activations) {
      const context = activationKeyContext(a.id);
      const k = current.openSync(a.k_ac!, context);
      await trx.updateTable('activations').set({ k_ac: next.sealSync(k, context) }).where('id', '=', a.id).execute();
      k.fill(0);
    }
    const tokens = await trx.selectFrom('tokens').select(['id', 'seed', 'k_status']).execute();
    for (const t of tokens) {
      const seed = current.openSync(t.seed, seedContext(t.id));
      const kStatus = current.openSync(t.k_status, kStatusContext(t.id));
      await trx
        .updateTable('tokens')
        .set({ seed: next.sealSync(seed, seedContext(t.id)), k_status: next.sealSync(kStatus, kStatusContext(t.id)) })
        .where('id', '=', t.id)
        .execute();
      seed.fill(0);
      kStatus.fill(0);
    }
    return { activations: activations.length, tokens: tokens.length };
  });
}

/** True when `key` opens a sealed value of the database (or there is none to try). */
export async function opensDatabase(db: Kysely<Database>, key: MasterKey): Promise<boolean> {
  const token = await db.selectFrom('tokens').select(['id', 'seed']).limit(1).executeTakeFirst();
  try {
    if (token) key.openSync(token.seed, seedContext(token.id));
    else {
      const a = await db.selectFrom('activations').select(['id', 'k_ac']).where('k_ac', 'is not', null).limit(1).executeTakeFirst();
      if (a) key.openSync(a.k_ac!, activationKeyContext(a.id));
    }
    return true;
  } catch {
    return false;
  }
}

export const nextKeyFile = (dataDir: string): string => join(dataDir, 'master.key.next');
export const keyFile = (dataDir: string): string => join(dataDir, 'master.key');

/** Puts `master.key.next` in place of `master.key`, durably: the last step of a rotation, after its commit. */
export function promoteNextKey(dataDir: string): void {
  renameSync(nextKeyFile(dataDir), keyFile(dataDir));
  syncDirectory(dataDir);
}

/**
 * Finishes or abandons a rotation of the data directory's key file that was
 * interrupted: `master.key.next` is written before the transaction and
 * renamed over `master.key` after it, so whichever key opens the data wins.
 * Returns the key to use.
 */
export async function settleInterruptedRotation(db: Kysely<Database>, dataDir: string, current: MasterKey, log: (msg: string) => void): Promise<MasterKey> {
  const file = nextKeyFile(dataDir);
  if (!existsSync(file)) return current;
  let next: MasterKey | null = null;
  try {
    next = MasterKey.fromFile(file);
  } catch {
    // Cut while being written: the rotation writes it whole and flushes it before
    // its transaction (writeKeyFile), so that transaction never committed.
  }
  if (next && (await opensDatabase(db, next)) && !(await opensDatabase(db, current))) {
    promoteNextKey(dataDir);
    log('Finished an interrupted master key rotation: master.key now holds the new key.');
    return next;
  }
  rmSync(file);
  log('Discarded master.key.next left by a rotation that did not commit.');
  return current;
}
