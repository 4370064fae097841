/**
 * One-click renewal (PROTOCOL §6 then §4), as a state machine kept in the
 * vault so that any step may fail or the worker may stop without losing the
 * token in use:
 *
 *   active ──§6 renew──▶ (answer in memory) ──1 write──▶ renewing ──§4 confirm──▶ (server: old superseded) ──1 write──▶ active (new)
 *
 * - §6 fails, or the write after it (quota, worker stopped): nothing changed
 *   here; the server's pending renewal is dropped by the next one.
 * - §4 cannot be reached: the token stays `renewing`, the old seed keeps
 *   making codes (the old token works until the new one is confirmed), and
 *   the confirmation is retried (popup, alarm, « Renouveler »).
 * - the last write fails after §4: confirming again answers the same, so the
 *   retry finishes it.
 * A PIN token's new seed is sealed under the same PIN (camouflaged as before).
 */
import { b64u, fromB64u } from '../core/bytes.ts';
import { JetonError } from '../core/errors.ts';
import { confirm, renew } from '../core/protocol/client.ts';
import { ProtocolError } from '../core/protocol/errors.ts';
import type { ConfirmResponse } from '../core/protocol/messages.ts';
import { clockOffset, renewalOpen } from '../core/expiry.ts';
import { checkLoginOrigins } from '../core/policy.ts';
import { generateTOTP, timeStep } from '../core/totp.ts';
import type { RenewalRecord, TokenRecord } from '../core/vault.ts';
import { openSeedWithPin, PIN_KDF_ITERATIONS, sealSeedWithPin } from '../core/vault-pin.ts';
import { accountState } from './accounts.ts';
import type { Deps } from './deps.ts';
import { readPolicy } from './policy.ts';
import { bindingOf } from './provisioning.ts';

type Outcome = { outcome: 'renewed' | 'renewing' };

/** Where the new seed of a PIN token's renewal waits in storage.session (never in storage.local in clear). */
const renewalSeedKey = (id: string): string => `renewal:${id}`;

const codeOf = (t: Pick<TokenRecord, 'algorithm' | 'digits' | 'period'>, seed: Uint8Array, at: number): string =>
  generateTOTP({ seed, algorithm: t.algorithm, digits: t.digits, period: t.period }, at);

/** Errors after which a later try may work: the renewal is kept. */
const TRANSIENT = new Set(['server_unreachable', 'server_error', 'internal_error', 'bad_response', 'rate_limited', 'clock_skew']);

class RenewalError extends JetonError {}

async function find(deps: Deps, id: string): Promise<{ token: TokenRecord; offsetMs: number }> {
  const vault = await deps.vault.read();
  const token = vault.tokens.find((t) => t.id === id);
  if (!token) throw new JetonError('not_found', 'No such token.');
  return { token, offsetMs: vault.clockOffsetMs };
}

/**
 * The current seed: plain, unlocked in this session, or opened with the PIN
 * typed now; `known`: the seed is certainly right (plain, or the PIN gave the
 * unlocked seed), so a refused code can only be a replay.
 */
async function currentSeed(deps: Deps, token: TokenRecord, pin: string | undefined): Promise<{ seed: Uint8Array; known: boolean }> {
  if (token.secret.type === 'plain') return { seed: fromB64u(token.secret.seed), known: true };
  if (pin === undefined) throw new RenewalError('pin_required', 'Type the PIN of this token to renew it.');
  const seed = await openSeedWithPin(token.secret, pin);
  // When the token is unlocked, its seed is known: a different one means the PIN was mistyped (no server try spent).
  const unlocked = (await deps.session.unlocked())[token.id];
  if (unlocked !== undefined && unlocked !== b64u(seed)) throw new JetonError('pin_incorrect', 'PIN incorrect.');
  return { seed, known: unlocked !== undefined };
}

/**
 * §6 at the server's time; on `clock_skew`, once more at the time it gave. A
 * right seed's code refused is the code already used (it confirmed the token,
 * or logged in, in this time step: a replay, refused without counting, §7):
 * once more with the next step's code, which the server's ±1 step window takes.
 */
async function askRenewal(deps: Deps, token: TokenRecord, seed: Uint8Array, known: boolean, offsetMs: number) {
  const server = token.server!;
  const ref = { tokenId: server.tokenId, userId: token.userId, serverUrl: server.serverUrl, renewUrl: server.renewUrl!, kStatus: fromB64u(server.kStatus) };
  let at = deps.now() + offsetMs;
  try {
    return await renew(deps.fetch, ref, at, codeOf(token, seed, at));
  } catch (err) {
    const serverTime = err instanceof ProtocolError && err.code === 'clock_skew' ? err.details.serverTime : undefined;
    if (typeof serverTime === 'number' && Number.isFinite(serverTime)) at = deps.now() + clockOffset(serverTime, deps.now());
    else if (!(known && err instanceof ProtocolError && err.code === 'invalid_otp')) throw err;
    const code = serverTime === undefined ? codeOf(token, seed, at + token.period * 1000) : codeOf(token, seed, at);
    return renew(deps.fetch, ref, at, code);
  }
}

/**
 * « Renouveler »: renews the token, or finishes the renewal under way.
 * @see docs/protocol.md §6, §4
 */
export async function renewAccount(deps: Deps, id: string, pin?: string): Promise<Outcome> {
  const { token, offsetMs } = await find(deps, id);
  if (token.renewal) return finishRenewal(deps, id, pin);
  const server = token.server;
  if (!server || token.demo) throw new RenewalError('renewal_unavailable', 'This token is not renewed.');
  const state = accountState(token, deps.now() + offsetMs);
  if (state !== 'active') throw new RenewalError(state === 'expired' ? 'renewal_expired' : 'renewal_unavailable', 'Only an active token can be renewed; use the portal.');
  if (server.renewUrl === undefined) throw new RenewalError('renewal_disabled', 'Tokens of this profile are renewed through the portal.');
  const { seed, known } = await currentSeed(deps, token, pin);

  let provisioned;
  try {
    provisioned = await askRenewal(deps, token, seed, known, offsetMs);
  } catch (err) {
    // For a PIN token, a refused code is the PIN: the server counted it as a failed login (§7).
    if (err instanceof ProtocolError && err.code === 'invalid_otp' && token.secret.type === 'pin') throw new JetonError('pin_incorrect', 'PIN incorrect.');
    if (err instanceof ProtocolError && err.code === 'renewal_not_open' && typeof err.details.renewOpensAt === 'string') {
      const opens = err.details.renewOpensAt;
      await deps.vault.update((v) => ({ ...v, tokens: v.tokens.map((t) => (t.id === id && t.server ? { ...t, server: { ...t.server, renewOpensAt: opens } } : t)) }));
    }
    throw err;
  }
  const { envelope, kStatus } = provisioned;
  // The policy may have changed since the token was added: the new token keeps only allowed login sites.
  const loginOrigins = checkLoginOrigins(await readPolicy(deps.managed), envelope.loginOrigins);
  const newSeed = fromB64u(envelope.seed);
  const secret = pin !== undefined && token.secret.type === 'pin' ? await sealSeedWithPin(newSeed, pin, deps.pinIterations ?? PIN_KDF_ITERATIONS) : ({ type: 'plain', seed: envelope.seed } as const);
  const renewal: RenewalRecord = {
    startedAt: new Date(deps.now()).toISOString(),
    issuedAt: envelope.issuedAt,
    expiresAt: envelope.expiresAt,
    algorithm: envelope.algorithm,
    digits: envelope.digits,
    period: envelope.period,
    secret,
    server: {
      serverUrl: server.serverUrl,
      tokenId: envelope.tokenId,
      kStatus: b64u(kStatus),
      confirmUrl: envelope.confirmUrl,
      statusUrl: envelope.statusUrl,
      ...(envelope.renewUrl !== undefined ? { renewUrl: envelope.renewUrl } : {}),
      portalUrl: envelope.portalUrl,
      loginOrigins,
      exportable: envelope.exportable,
      state: 'pending',
      pinMinLength: envelope.pin.minLength,
      notified: [],
    },
  };
  // A PIN token's new seed waits unlocked in the session, so the confirmation can be retried without the PIN.
  if (secret.type === 'pin') await deps.session.setUnlocked(renewalSeedKey(id), envelope.seed);
  // One write beside the current binding, which keeps working.
  await deps.vault.update((v) => ({ ...v, tokens: v.tokens.map((t) => (t.id === id && !t.renewal ? { ...t, renewal } : t)) }));
  return finishRenewal(deps, id, pin, newSeed);
}

/** §4 for the renewal under way, then its one write: the new token replaces the old under the same local id. */
async function finishRenewal(deps: Deps, id: string, pin?: string, known?: Uint8Array): Promise<Outcome> {
  const { token, offsetMs } = await find(deps, id);
  const renewal = token.renewal;
  if (!renewal) return { outcome: 'renewed' };
  let seed = known ?? null;
  if (seed === null && renewal.secret.type === 'plain') seed = fromB64u(renewal.secret.seed);
  if (seed === null) {
    const waiting = (await deps.session.unlocked())[renewalSeedKey(id)];
    if (waiting !== undefined) seed = fromB64u(waiting);
    else if (pin !== undefined && renewal.secret.type === 'pin') seed = await openSeedWithPin(renewal.secret, pin);
    else throw new RenewalError('pin_required', 'Type the PIN of this token to finish its renewal.');
  }
  const at = deps.now() + offsetMs;
  let answer: ConfirmResponse;
  try {
    answer = await confirm(deps.fetch, bindingOf(renewal.server), codeOf(renewal, seed, at));
  } catch (err) {
    if (err instanceof JetonError && TRANSIENT.has(err.code)) return { outcome: 'renewing' };
    if (err instanceof ProtocolError && err.code === 'invalid_otp' && pin !== undefined && !known) throw new JetonError('pin_incorrect', 'PIN incorrect.');
    // The server dropped this renewal (discarded, old token no longer active): forget it; the old token is intact.
    await deps.vault.update((v) => ({ ...v, tokens: v.tokens.map((t) => (t.id === id && t.renewal?.server.tokenId === renewal.server.tokenId ? dropRenewal(t) : t)) }));
    await deps.session.forget(renewalSeedKey(id));
    throw new RenewalError('renewal_failed', 'The server dropped this renewal; try again.');
  }
  const now = deps.now();
  await deps.vault.update((v) => ({
    ...v,
    tokens: v.tokens.map((t) =>
      t.id === id && t.renewal?.server.tokenId === renewal.server.tokenId
        ? {
            id: t.id,
            issuer: t.issuer,
            userId: t.userId,
            algorithm: renewal.algorithm,
            digits: renewal.digits,
            period: renewal.period,
            issuedAt: renewal.issuedAt,
            expiresAt: answer.expiresAt,
            addedAt: t.addedAt,
            demo: false,
            secret: renewal.secret,
            server: { ...renewal.server, state: 'active', statusAt: new Date(now).toISOString(), notified: [], usedStep: timeStep(renewal.period, at) },
          }
        : t,
    ),
  }));
  // The session follows: an unlocked PIN token stays unlocked, now with its new seed.
  const unlocked = await deps.session.unlocked();
  if (renewal.secret.type === 'pin' && (unlocked[id] !== undefined || pin !== undefined)) await deps.session.setUnlocked(id, b64u(seed));
  else if (unlocked[id] !== undefined) await deps.session.forget(id);
  await deps.session.forget(renewalSeedKey(id));
  return { outcome: 'renewed' };
}

const dropRenewal = ({ renewal: _dropped, ...token }: TokenRecord): TokenRecord => token;

/** Finishes every renewal under way whose new seed is at hand (alarm, popup opening). */
export async function finishPendingRenewals(deps: Deps): Promise<void> {
  const vault = await deps.vault.read();
  const unlocked = await deps.session.unlocked();
  for (const t of vault.tokens) {
    if (!t.renewal) continue;
    if (t.renewal.secret.type === 'pin' && unlocked[renewalSeedKey(t.id)] === undefined) continue;
    await finishRenewal(deps, t.id).catch(() => undefined);
  }
}

/** The organisation's `autoRenew`: tokens without a PIN renew as soon as their renewal opens. */
export async function autoRenew(deps: Deps): Promise<string[]> {
  const policy = await readPolicy(deps.managed);
  if (policy.autoRenew !== true) return [];
  const vault = await deps.vault.read();
  const serverNow = deps.now() + vault.clockOffsetMs;
  const ready = vault.tokens.filter(
    (t) =>
      !t.demo &&
      t.secret.type === 'plain' &&
      !t.renewal &&
      t.server?.renewUrl !== undefined &&
      accountState(t, serverNow) === 'active' &&
      renewalOpen(t.server.renewOpensAt, t.expiresAt, serverNow),
  );
  const renewed: string[] = [];
  for (const t of ready) {
    try {
      if ((await renewAccount(deps, t.id)).outcome === 'renewed') renewed.push(t.id);
    } catch {
      // Tried again at the next alarm or opening; the user can still click « Renouveler ».
    }
  }
  return renewed;
}
