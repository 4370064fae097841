/**
 * Code verification for the sites that log users in: `/aotp/v1/verify` and the
 * sample `/login` page both call `verifyCode`. @see docs/protocol.md §7
 */
import type { VerifyResponse } from '../core/protocol/messages.ts';
import { matchTOTPFast } from './totp-node.ts';
import { normalizeUserId } from '../core/user-id.ts';
import { profileOf, type Profile } from './config.ts';
import type { AppContext } from './context.ts';
import { isoSeconds } from './dates.ts';
import { audit } from './store/audit.ts';
import { countFailureUnlessLocked, lockedFor, lockRemaining, type LockoutPolicy } from './store/login-guard.ts';
import { acceptLogin } from './store/tokens/login.ts';
import { seedContext } from './store/tokens/row.ts';
import { selectUserTokensPg } from './store/pg-batches.ts';
import { prepared } from './store/prepared.ts';
import { writes } from './store/write-queue.ts';

const selectUserTokens = prepared(
  (db, username: string, now: number) =>
    db
      .selectFrom('users')
      .leftJoin('tokens', (join) => join.onRef('tokens.user_id', '=', 'users.id').on('tokens.state', '=', 'active').on('tokens.expires_at', '>', now))
      .select([
        'users.id as user_id',
        'users.login_failures',
        'users.login_locked_until',
        'tokens.id as token_id',
        'tokens.profile',
        'tokens.seed',
        'tokens.algorithm',
        'tokens.digits',
        'tokens.period',
        'tokens.last_step',
        'tokens.expires_at',
      ])
      .where('users.username', '=', username),
  ['\u0000username', -424_242],
);

/** The outcome of §7 as a value: `ok`, or why not. Same shape as the route's answer body. */
export type VerifyOutcome = VerifyResponse;

export interface VerifyMeta {
  /** The client's address, for the audit table. */
  ip?: string | null;
  /** Which door the code came through (audit only): 'api' or 'login-page'. */
  via?: string;
}

/** The strictest lockout among the profiles of a user's active tokens. */
function lockoutPolicy(profiles: Profile[]): LockoutPolicy {
  let policy: LockoutPolicy = { maxFailures: Number.POSITIVE_INFINITY, lockoutSeconds: 0 };
  for (const p of profiles) {
    if (p.maxFailures < policy.maxFailures) policy = { maxFailures: p.maxFailures, lockoutSeconds: p.lockoutSeconds };
  }
  return policy;
}

/**
 * Checks `otp` for `userId` against the user's active tokens: accepts a code
 * within the profile's window whose time step is later than the token's last
 * accepted one. The lock check and the decision are one atomic step per user
 * (store/tokens/login.ts `acceptLogin`, store/login-guard.ts
 * `countFailureUnlessLocked`): of any burst, at most `maxFailures` wrong codes
 * are counted and answered as wrong before the lock, the rest are answered
 * `locked`, and nothing is accepted while locked. A replay of a token's last
 * accepted code (a site that retries, a double submit) is refused without
 * counting. Never throws for client input: an unknown or malformed user ID is
 * `no_active_token`. @see docs/protocol.md §7
 */
export async function verifyCode(ctx: AppContext, userId: string, otp: string, meta: VerifyMeta = {}): Promise<VerifyOutcome> {
  let username: string;
  try {
    username = normalizeUserId(userId);
  } catch {
    return { ok: false, error: 'no_active_token' };
  }
  const now = ctx.now();
  // One indexed read: the user's lock state and their live tokens. On
  // PostgreSQL, shared with the verifications arriving together (pg-batches.ts);
  // on SQLite, at once unless a transaction is open (then it waits its turn).
  const rows =
    ctx.dialect === 'postgres'
      ? await selectUserTokensPg(ctx.db, username, now)
      : (selectUserTokens.syncOutsideTransactions(ctx.db, username, now) ?? (await selectUserTokens(ctx.db, username, now))).rows;
  const user = rows[0];
  if (!user) return { ok: false, error: 'no_active_token' };
  const detail = { via: meta.via ?? 'api' };
  const entry = { username, ip: meta.ip ?? null };

  const retryAfter = lockRemaining(user, now);
  if (retryAfter !== null) {
    await audit(ctx, 'login.failed', { ...entry, detail: { ...detail, reason: 'locked' } });
    return { ok: false, error: 'locked', retryAfter };
  }
  const tokens = rows.filter((r) => r.token_id !== null);
  if (tokens.length === 0) return { ok: false, error: 'no_active_token' };

  const profiles: Profile[] = [];
  let replay = false;
  for (const t of tokens) {
    const profile = profileOf(ctx, t.profile!);
    profiles.push(profile);
    const seed = ctx.masterKey.openSync(t.seed!, seedContext(t.token_id!));
    const step = matchTOTPFast({ seed, algorithm: t.algorithm!, digits: t.digits!, period: t.period! }, otp, now, profile.window);
    seed.fill(0);
    if (step === null) continue;
    // The code just accepted, sent again: refused, but it says nothing about the user's knowledge.
    if (step === t.last_step) {
      replay = true;
      continue;
    }
    if (step < t.last_step!) continue;
    const tokenId = t.token_id!;
    const outcome = await acceptLogin(ctx, { userId: user.user_id, tokenId, step, at: now, username, ip: entry.ip, detail: { ...detail, tokenId } });
    if (outcome === 'accepted') return { ok: true, tokenId, expiresAt: isoSeconds(t.expires_at!) };
    if (outcome === 'locked') return { ok: false, error: 'locked', retryAfter: await lockedFor(ctx.db, now, user.user_id, lockoutPolicy([profile])) };
    // 'taken': a concurrent request with this very code was accepted first; a double submit, not a guess.
    replay = true;
  }
  if (replay) {
    await audit(ctx, 'login.failed', { ...entry, detail: { ...detail, reason: 'replay' } });
    return { ok: false, error: 'invalid_otp' };
  }

  const policy = lockoutPolicy(profiles);
  const failure = await writes(ctx).run(async (tx) => {
    const count = await countFailureUnlessLocked(tx, now, user.user_id, policy);
    if (count.counted) {
      await audit({ db: tx, now: () => now }, count.locked ? 'login.locked' : 'login.failed', { ...entry, detail: { ...detail, failures: count.failures } });
    }
    return count;
  });
  // Locked by concurrent failures before this one was counted: it was never a judgement.
  if (!failure.counted) return { ok: false, error: 'locked', retryAfter: failure.retryAfter };
  return { ok: false, error: 'invalid_otp' };
}
