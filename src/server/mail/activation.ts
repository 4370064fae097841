/** Issuing an activation for a person: the code is shown once and e-mailed (portal, CLI). @see docs/protocol.md §2 */
import type { AppContext } from '../context.ts';
import { audit } from '../store/audit.ts';
import { issueActivation, type IssuedActivation } from '../store/activations.ts';
import { activationMail } from './templates.ts';

export interface DeliveredActivation extends IssuedActivation {
  /** False when the e-mail could not be sent (the code was still issued and can be shown). */
  mailed: boolean;
  mailError?: string;
}

/** Issues an activation for `user` under `profile`, e-mails it, and audits both (never the code). */
export async function issueAndMailActivation(
  ctx: AppContext,
  user: { id: number; username: string; email: string },
  profile: string,
  meta: { ip?: string | null; via: 'portal' | 'cli' },
): Promise<DeliveredActivation> {
  const issued = await issueActivation(ctx, user, profile);
  const portalUrl = ctx.config.profiles[profile]?.portalUrl ?? `${ctx.config.publicUrl}/virtuel`;
  const mail = activationMail({ ...issued, portalUrl });
  let mailed = true;
  let mailError: string | undefined;
  try {
    await ctx.mailer.send({ to: user.email, ...mail });
  } catch (err) {
    mailed = false;
    // The transport's message (e.g. connection refused) carries no secret; the code is not in it.
    mailError = err instanceof Error ? err.message : String(err);
  }
  await audit(ctx, 'activation.issued', {
    username: user.username,
    ip: meta.ip ?? null,
    detail: { activationId: issued.activationId, profile, via: meta.via, mailed },
  });
  return { ...issued, mailed, ...(mailError === undefined ? {} : { mailError }) };
}
