/**
 * Warnings before expiry: the toolbar badge (days left of the token closest
 * to expiry, orange then red, « ! » when one is expired or revoked) and one
 * notification per threshold reached per token, never repeated: the
 * thresholds given are remembered in the vault before the notification is
 * shown, so neither a worker nor a browser restart shows one twice.
 */
import { daysLeft, DEFAULT_WARNING_DAYS, dueWarning, URGENT_DAYS } from '../core/expiry.ts';
import type { Policy } from '../core/policy.ts';
import type { TokenRecord, VaultContent } from '../core/vault.ts';
import { accountState, accountView } from './accounts.ts';
import type { Deps } from './deps.ts';
import { backgroundLang, badgeDays, expiryNote, type Lang } from './expiry-text.ts';
import { readPolicy } from './policy.ts';

const BADGE_ORANGE = '#B45309';
const BADGE_RED = '#B91C1C';

/** The notification id of a token's expiry warning (the click handler reads the token's local id back). */
export const NOTE_PREFIX = 'jeton-expiry:';

const warningDaysOf = (policy: Policy): readonly number[] => policy.warningDays ?? DEFAULT_WARNING_DAYS;

/** The badge for these tokens at `serverNow`: text and colour. */
function badgeFor(tokens: readonly TokenRecord[], thresholds: readonly number[], serverNow: number, lang: Lang): { text: string; color: string } {
  const live = tokens.filter((t) => !t.demo && t.server);
  if (live.some((t) => ['expired', 'revoked'].includes(accountState(t, serverNow)))) return { text: '!', color: BADGE_RED };
  const first = thresholds.length === 0 ? 0 : Math.max(...thresholds);
  const days = live
    .filter((t) => ['active', 'renewing'].includes(accountState(t, serverNow)))
    .map((t) => daysLeft(t.expiresAt, serverNow))
    .filter((d) => d <= first);
  if (days.length === 0) return { text: '', color: BADGE_ORANGE };
  const closest = Math.min(...days);
  return { text: badgeDays(lang, closest), color: closest <= URGENT_DAYS ? BADGE_RED : BADGE_ORANGE };
}

/** Updates the badge and gives the notifications now due. Safe to run as often as wanted. */
export async function updateWarnings(deps: Deps): Promise<void> {
  const [vault, policy] = await Promise.all([deps.vault.read(), readPolicy(deps.managed)]);
  const thresholds = warningDaysOf(policy);
  const serverNow = deps.now() + vault.clockOffsetMs;
  const lang = backgroundLang(vault.settings.language, deps.uiLanguage);
  const badge = badgeFor(vault.tokens, thresholds, serverNow, lang);
  await deps.badge.set(badge.text, badge.color);
  if (policy.notifications === false) return;
  await notifyDue(deps, vault, thresholds, lang);
}

async function notifyDue(deps: Deps, vault: VaultContent, thresholds: readonly number[], lang: Lang): Promise<void> {
  const due = (v: VaultContent, serverNow: number) =>
    v.tokens.flatMap((t) => {
      if (t.demo || !t.server || !['active', 'renewing', 'expired'].includes(accountState(t, serverNow))) return [];
      const warning = dueWarning(t.expiresAt, thresholds, t.server.notified ?? [], serverNow);
      return warning ? [{ token: t, warning }] : [];
    });
  if (due(vault, deps.now() + vault.clockOffsetMs).length === 0) return;
  // Remembered first, in one write, decided again inside it: a second run at the same time finds nothing left to give.
  let given: ReturnType<typeof due> = [];
  const written = await deps.vault.update((v) => {
    given = due(v, deps.now() + v.clockOffsetMs);
    const ids = new Map(given.map((g) => [g.token.id, g.warning.reached]));
    return {
      ...v,
      tokens: v.tokens.map((t) => {
        const reached = ids.get(t.id);
        return reached && t.server ? { ...t, server: { ...t.server, notified: [...new Set([...(t.server.notified ?? []), ...reached])] } } : t;
      }),
    };
  });
  for (const { token, warning } of given) {
    const view = accountView(token, null, deps.now(), { offsetMs: written.clockOffsetMs, warningDays: thresholds });
    const renewal = view.renewal === 'open' || view.renewal === 'retry' ? 'open' : view.renewal === 'not_open' ? 'not_open' : 'portal';
    const words = expiryNote(lang, {
      issuer: token.issuer,
      userId: token.userId,
      expiresAt: token.expiresAt,
      days: warning.days === 0 ? 0 : view.daysLeft,
      renewal,
      ...(view.renewOpensAt ? { renewOpensAt: view.renewOpensAt } : {}),
    });
    // The button only where one click can renew (in-band, §6); otherwise a click on the notification opens the popup.
    const renewButton = warning.days !== 0 && token.server?.renewUrl !== undefined ? words.button : null;
    await deps.notifier.show(`${NOTE_PREFIX}${token.id}`, { title: words.title, message: words.message, renewButton }).catch(() => undefined);
  }
}
