/** The audit table: one row per security event. Never a secret, code or seed in `detail`. */
import type { AppContext } from '../context.ts';
import { prepared } from './prepared.ts';

export type AuditEvent =
  | 'activation.issued'
  | 'activation.failed'
  | 'activation.locked'
  | 'token.provisioned'
  | 'token.confirmed'
  | 'token.confirm_failed'
  | 'token.renewed'
  | 'token.revoked'
  | 'login.ok'
  | 'login.failed'
  | 'login.locked'
  | 'user.created'
  | 'user.unlocked'
  | 'portal.identified'
  | 'portal.answer_ok'
  | 'portal.answer_failed'
  | 'portal.locked'
  | 'portal.finalized'
  | 'portal.logout'
  | 'portal.rejected'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'reminder.sent'
  | 'purge';

export interface AuditEntry {
  username?: string | null;
  ip?: string | null;
  detail?: Record<string, string | number | boolean | null>;
}

// Prepared once: an audit row is written on every login (see prepared.ts).
export const insertAudit = prepared(
  (db, at: number, event: AuditEvent, username: string | null, ip: string | null, detail: string) =>
    db.insertInto('audit').values({ at, event, username, ip, detail }),
  [-424_242, '\u0000event' as AuditEvent, '\u0000username', '\u0000ip', '\u0000detail'],
);

export async function audit(ctx: Pick<AppContext, 'db' | 'now'>, event: AuditEvent, entry: AuditEntry = {}): Promise<void> {
  await insertAudit(ctx.db, ctx.now(), event, entry.username ?? null, entry.ip ?? null, JSON.stringify(entry.detail ?? {}));
}
