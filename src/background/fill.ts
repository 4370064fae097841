/**
 * The background's side of filling codes on login pages: what a content
 * script may be offered, the current code after a trusted click or the
 * keyboard command, and opening Jeton to unlock a PIN token. Every answer
 * depends on the caller's frame and top page origins as the browser reported
 * them (router.ts), checked through fill-tokens.ts.
 */
import { JetonError } from '../core/errors.ts';
import type { FillOffer, Language, MessageName, RequestOf, ResponseOf } from '../core/messages.ts';
import { effectiveAutoFill } from '../core/policy.ts';
import type { TokenRecord } from '../core/vault.ts';
import { currentCode, seedOf } from './accounts.ts';
import { touchAutoLock } from './auto-lock.ts';
import type { Deps } from './deps.ts';
import { offerableTokens } from './fill-tokens.ts';
import { readPolicy } from './policy.ts';
import type { Caller, ContentCaller } from './router.ts';

type FillName = Extract<MessageName, `fill.${string}`>;
type FillHandlers = { [N in FillName]: (req: RequestOf<N>, caller: Caller) => Promise<ResponseOf<N>> };

const contentOnly = (caller: Caller): ContentCaller => {
  // The router already sends only content callers here; a wrong wiring must fail closed.
  if (caller.kind !== 'content') throw new JetonError('forbidden_sender', 'Only Jeton on a login page may ask for this.');
  return caller;
};

/** The tokens this caller may be offered, with what is needed to decide and answer. */
async function offeredTo(deps: Deps, caller: ContentCaller): Promise<{ tokens: TokenRecord[]; unlocked: Record<string, string>; autoFill: boolean; language: Language; serverNow: number }> {
  const [vault, unlocked, policy] = await Promise.all([deps.vault.read(), deps.session.unlocked(), readPolicy(deps.managed)]);
  // Codes and expiry on the servers' clock, as the popup shows them (§5 serverTime).
  const serverNow = deps.now() + vault.clockOffsetMs;
  return {
    serverNow,
    tokens: offerableTokens(vault.tokens, caller.origin, caller.topOrigin, policy, serverNow),
    unlocked,
    autoFill: effectiveAutoFill(policy, vault.settings.autoFill),
    language: vault.settings.language,
  };
}

/** The handlers of the `fill.*` messages. */
export function fillHandlers(deps: Deps): FillHandlers {
  return {
    'fill.offers': async (_req, caller) => {
      const { tokens, unlocked, autoFill, language } = await offeredTo(deps, contentOnly(caller));
      const offers: FillOffer[] = tokens.map((t) => ({ id: t.id, issuer: t.issuer, userId: t.userId, locked: seedOf(t, unlocked) === null, digits: t.digits }));
      return { offers, autoFill: autoFill && offers.length > 0, language };
    },
    'fill.code': async ({ id }, caller) => {
      const { tokens, unlocked, serverNow } = await offeredTo(deps, contentOnly(caller));
      // Same answer for "no such token" and "not for this page": a page learns nothing about other tokens.
      const token = tokens.find((t) => t.id === id);
      if (!token) throw new JetonError('not_offered', 'Jeton has no code for this page.');
      const seed = seedOf(token, unlocked);
      if (seed === null) throw new JetonError('locked', 'Unlock Jeton first.');
      const code = currentCode(token, seed, serverNow).value;
      // Using a code is activity: the auto-lock is pushed back as when the popup is opened.
      if (token.secret.type === 'pin') await touchAutoLock(deps);
      return { code };
    },
    'fill.unlock': async (_req, caller) => {
      const { tokens } = await offeredTo(deps, contentOnly(caller));
      if (tokens.length === 0) throw new JetonError('not_offered', 'Jeton has no code for this page.');
      return { opened: deps.openPopup ? await deps.openPopup().catch(() => false) : false };
    },
  };
}
