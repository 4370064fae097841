/** The audit table: one row per security event. Never a secret, code or seed in `detail`. */
import type { AppContext } from '../context.ts';

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
  | 'reminder.sent'
  | 'purge';

export interface AuditEntry {
  username?: string | null;
  ip?: string | null;
  detail?: Record<string, string | number | boolean | null>;
}

export async function audit(ctx: Pick<AppContext, 'db' | 'now'>, event: AuditEvent, entry: AuditEntry = {}): Promise<void> {
  await ctx.db
    .insertInto('audit')
    .values({ at: ctx.now(), event, username: entry.username ?? null, ip: entry.ip ?? null, detail: JSON.stringify(entry.detail ?? {}) })
    .execute();
}
