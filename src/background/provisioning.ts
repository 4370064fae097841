/**
 * Adding a token: provision (PROTOCOL §3), then, once the seed is safely
 * stored, confirm it with the current code (§4). When the profile asks for a
 * PIN, the provisioned token waits in storage.session for the PIN (the
 * activation is already consumed, so it must survive the popup closing).
 * The organisation's policy applies here: a PIN it forces, its minimum
 * length, and the login origins it allows (core/policy.ts).
 */
import { b64u, fromB64u } from '../core/bytes.ts';
import { JetonError } from '../core/errors.ts';
import { confirm, provision } from '../core/protocol/client.ts';
import type { Envelope } from '../core/protocol/messages.ts';
import type { AddResult, ErrorInfo, PendingSetupView } from '../core/messages.ts';
import { checkLoginOrigins, pinRule, PolicyError, type Policy } from '../core/policy.ts';
import { generateTOTP, timeStep } from '../core/totp.ts';
import { newAccountId, type ServerBinding, type TokenRecord } from '../core/vault.ts';
import { PIN_KDF_ITERATIONS, sealSeedWithPin } from '../core/vault-pin.ts';
import { seedOf } from './accounts.ts';
import type { Deps } from './deps.ts';
import { readPolicy } from './policy.ts';
import type { PendingSetup } from './session.ts';

const MAX_PIN_LENGTH = 64;

/** What the popup may see of the waiting token: no seed, no K_status. The PIN minimum is the stricter of the profile's and the policy's. */
export function setupView(s: PendingSetup, policy: Policy): PendingSetupView {
  const rule = pinRule(policy, s.envelope.pin);
  const view: PendingSetupView = { issuer: s.envelope.issuer, userId: s.envelope.userId, serverUrl: s.serverUrl, minLength: rule.minLength };
  if (rule.byPolicy) view.byPolicy = true;
  return view;
}

/** `loginOrigins`: the envelope's, as the policy allows them (checkLoginOrigins). */
function tokenRecord(envelope: Envelope, loginOrigins: string[], kStatus: string, serverUrl: string, secret: TokenRecord['secret'], now: number): TokenRecord {
  const server: NonNullable<TokenRecord['server']> = {
    serverUrl,
    tokenId: envelope.tokenId,
    kStatus,
    confirmUrl: envelope.confirmUrl,
    statusUrl: envelope.statusUrl,
    portalUrl: envelope.portalUrl,
    loginOrigins,
    exportable: envelope.exportable,
    state: 'pending',
    pinMinLength: envelope.pin.minLength,
  };
  if (envelope.renewUrl !== undefined) server.renewUrl = envelope.renewUrl;
  return {
    id: newAccountId(),
    issuer: envelope.issuer,
    userId: envelope.userId,
    algorithm: envelope.algorithm,
    digits: envelope.digits,
    period: envelope.period,
    issuedAt: envelope.issuedAt,
    expiresAt: envelope.expiresAt,
    addedAt: new Date(now).toISOString(),
    demo: false,
    secret,
    server,
  };
}

/** A stored binding as core's protocol client takes it (§4). */
export const bindingOf = (server: Pick<ServerBinding, 'tokenId' | 'confirmUrl' | 'kStatus'>) => ({
  envelope: { tokenId: server.tokenId, confirmUrl: server.confirmUrl },
  kStatus: fromB64u(server.kStatus),
});

/** Asks the server to make a pending token active with its current code (§4); records the answer. */
export async function confirmToken(deps: Deps, token: TokenRecord, seed: Uint8Array): Promise<void> {
  const server = token.server;
  if (!server) return;
  const now = deps.now();
  const otp = generateTOTP({ seed, algorithm: token.algorithm, digits: token.digits, period: token.period }, now);
  const answer = await confirm(deps.fetch, bindingOf(server), otp);
  await deps.vault.update((vault) => ({
    ...vault,
    tokens: vault.tokens.map((t) =>
      t.id === token.id && t.server ? { ...t, expiresAt: answer.expiresAt, server: { ...t.server, state: 'active' as const, usedStep: timeStep(token.period, now) } } : t,
    ),
  }));
}

/** A failed confirmation is retried at most this often per token. */
const CONFIRM_RETRY_MS = 60_000;

/**
 * Retries the confirmation of saved-but-unconfirmed tokens whose seed is at
 * hand (plain, or unlocked in this session), at most once a minute each.
 * Run by the round of expiry.ts (popup opening, daily alarm, browser start).
 */
export async function confirmPending(deps: Deps): Promise<void> {
  const vault = await deps.vault.read();
  if (!vault.tokens.some((t) => t.server?.state === 'pending')) return;
  const [unlocked, tried] = await Promise.all([deps.session.unlocked(), deps.session.confirmTriedAt()]);
  const now = deps.now();
  for (const token of vault.tokens) {
    if (token.server?.state !== 'pending') continue;
    const seed = seedOf(token, unlocked);
    if (seed === null || now - (tried[token.id] ?? 0) < CONFIRM_RETRY_MS) continue;
    await deps.session.setConfirmTriedAt(token.id, now);
    await confirmToken(deps, token, seed).catch(() => undefined);
  }
}

/** Confirms and reports the outcome instead of throwing: the token is saved either way. */
async function confirmOutcome(deps: Deps, token: TokenRecord, seed: Uint8Array): Promise<Extract<AddResult, { kind: 'added' }>> {
  try {
    await confirmToken(deps, token, seed);
    return { kind: 'added', id: token.id, confirmed: true };
  } catch (err) {
    const confirmError: ErrorInfo = err instanceof JetonError ? { code: err.code, message: err.message } : { code: 'internal_error', message: 'Confirmation failed.' };
    return { kind: 'added', id: token.id, confirmed: false, confirmError };
  }
}

/** Provisions a token from the three fields; saves and confirms it, or waits for its PIN. */
export async function addAccount(deps: Deps, req: { serverUrl: string; userId: string; code: string }): Promise<AddResult> {
  const [pending, policy] = await Promise.all([deps.session.pendingSetup(), readPolicy(deps.managed)]);
  if (pending !== null) {
    throw new JetonError('setup_in_progress', 'A token is waiting for its PIN: choose it or cancel first.');
  }
  // A policy that allows no login origin refuses every token: say so before the activation code is spent.
  if (policy.allowedLoginOrigins?.length === 0) throw new PolicyError('login_origin_not_allowed', 'Your organisation allows no login site.');
  // Bad URL, user ID or mistyped code throw here, before any network call.
  const { envelope, kStatus } = await provision(deps.fetch, { ...req, deviceName: deps.deviceName });
  const serverUrl = new URL(req.serverUrl.trim()).href;
  // Refused: nothing is saved or confirmed, so the server discards its pending token (PROTOCOL §4).
  const loginOrigins = checkLoginOrigins(policy, envelope.loginOrigins);
  if (pinRule(policy, envelope.pin).required) {
    const setup: PendingSetup = { envelope, kStatus: b64u(kStatus), serverUrl, createdAt: deps.now() };
    await deps.session.setPendingSetup(setup);
    return { kind: 'pin_required', setup: setupView(setup, policy) };
  }
  const token = tokenRecord(envelope, loginOrigins, b64u(kStatus), serverUrl, { type: 'plain', seed: envelope.seed }, deps.now());
  await deps.vault.update((vault) => ({ ...vault, tokens: [...vault.tokens, token] }));
  return confirmOutcome(deps, token, fromB64u(envelope.seed));
}

/** Seals the waiting token under the chosen PIN, saves it, keeps it unlocked for this session, confirms it. */
export async function setPin(deps: Deps, pin: string): Promise<Extract<AddResult, { kind: 'added' }>> {
  const [setup, policy] = await Promise.all([deps.session.pendingSetup(), readPolicy(deps.managed)]);
  if (setup === null) throw new JetonError('no_setup', 'No token is waiting for a PIN.');
  const minLength = setupView(setup, policy).minLength;
  // The policy may have changed since provisioning: check again.
  const loginOrigins = checkLoginOrigins(policy, setup.envelope.loginOrigins);
  if (pin.length < minLength || pin.length > MAX_PIN_LENGTH) throw new JetonError('pin_too_short', `The PIN needs at least ${minLength} characters.`);
  const seed = fromB64u(setup.envelope.seed);
  const secret = await sealSeedWithPin(seed, pin, deps.pinIterations ?? PIN_KDF_ITERATIONS);
  const token = tokenRecord(setup.envelope, loginOrigins, setup.kStatus, setup.serverUrl, secret, deps.now());
  await deps.vault.update((vault) => ({ ...vault, tokens: [...vault.tokens, token] }));
  // Saved: the session copy is no longer needed. The user just typed the PIN, so the token starts unlocked.
  await deps.session.setPendingSetup(null);
  await deps.session.setUnlocked(token.id, setup.envelope.seed);
  return confirmOutcome(deps, token, seed);
}

/** Forgets the token waiting for its PIN (its activation stays consumed; the server discards the pending token). */
export async function cancelSetup(deps: Deps): Promise<null> {
  await deps.session.setPendingSetup(null);
  return null;
}
