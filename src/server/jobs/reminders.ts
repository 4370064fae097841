/**
 * Expiry reminders: for each active token, one e-mail per threshold of its
 * profile's `reminderDays` (e.g. 30, 14, 7, 1 days before) and one once it has
 * expired. A threshold is claimed by inserting its row in `reminders` (primary
 * key token × days) before the mail goes, so two instances running the job at
 * once send it once.
 */
import { profileOf } from '../config.ts';
import type { AppContext } from '../context.ts';
import { reminderMail } from '../mail/templates.ts';
import { audit } from '../store/audit.ts';
import { daysLeft, reachedThresholds } from '../../core/expiry.ts';

const DAY = 86_400_000;
/** An expired token gets its "expired" e-mail only within this long after expiry (not for tokens long gone). */
const EXPIRED_NOTICE_MS = 7 * DAY;

export interface ReminderReport {
  sent: Array<{ tokenId: string; username: string; days: number }>;
  failed: Array<{ tokenId: string; username: string; days: number; error: string }>;
}

/** The thresholds a token has reached at `now`, most urgent last; [0] once expired (the extension's arithmetic, src/core/expiry.ts). */
export { reachedThresholds } from '../../core/expiry.ts';

/** Sends the reminders that are due; safe to run often and from several instances. */
export async function sendDueReminders(ctx: AppContext): Promise<ReminderReport> {
  const now = ctx.now();
  const horizon = Math.max(0, ...Object.values(ctx.config.profiles).flatMap((p) => p.reminderDays));
  const tokens = await ctx.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.id', 'tokens.profile', 'tokens.device_name', 'tokens.expires_at', 'users.username', 'users.email'])
    .where('tokens.state', '=', 'active')
    .where('tokens.expires_at', '<=', now + horizon * DAY)
    .where('tokens.expires_at', '>', now - EXPIRED_NOTICE_MS)
    .orderBy('tokens.expires_at')
    .execute();
  const report: ReminderReport = { sent: [], failed: [] };
  for (const token of tokens) {
    const profile = profileOf(ctx, token.profile);
    const reached = reachedThresholds(token.expires_at, profile.reminderDays, now);
    const days = reached.at(-1);
    if (days === undefined) continue;
    // Earlier thresholds passed while nobody ran the job are recorded without a mail: one e-mail, the most urgent.
    for (const earlier of reached.slice(0, -1)) {
      await ctx.db
        .insertInto('reminders')
        .values({ token_id: token.id, days: earlier, sent_at: now })
        .onConflict((oc) => oc.columns(['token_id', 'days']).doNothing())
        .execute();
    }
    const claimed = await ctx.db
      .insertInto('reminders')
      .values({ token_id: token.id, days, sent_at: now })
      .onConflict((oc) => oc.columns(['token_id', 'days']).doNothing())
      .returning('token_id')
      .executeTakeFirst();
    if (!claimed) continue; // sent before, or another instance is sending it now
    const mail = reminderMail({
      userId: token.username,
      deviceName: token.device_name,
      expiresAt: token.expires_at,
      // The threshold decides when to write; the mail says how many days are really left (a late run says 5, not 7).
      days: days === 0 ? 0 : daysLeft(token.expires_at, now),
      portalUrl: profile.portalUrl,
      allowRenewal: profile.allowRenewal,
    });
    try {
      await ctx.mailer.send({ to: token.email, ...mail });
    } catch (err) {
      // Give the claim back so the next run tries again.
      await ctx.db.deleteFrom('reminders').where('token_id', '=', token.id).where('days', '=', days).execute();
      report.failed.push({ tokenId: token.id, username: token.username, days, error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    await audit(ctx, 'reminder.sent', { username: token.username, detail: { tokenId: token.id, days } });
    report.sent.push({ tokenId: token.id, username: token.username, days });
  }
  return report;
}
