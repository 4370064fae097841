/** `POST /aotp/v1/provision?profile=…`: trades a proof of the activation code for a sealed token. @see PROTOCOL.md §3 */
import type { FastifyInstance } from 'fastify';
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { parseProvisionRequest, type ProvisionResponse } from '../../../core/protocol/messages.ts';
import type { AppContext } from '../../context.ts';
import { checkProvisionProofSync, newTokenSecretsSync, sealEnvelopeSync } from '../../protocol-crypto.ts';
import { activationKeyContext } from '../../store/activations.ts';
import { audit } from '../../store/audit.ts';
import { writes } from '../../store/write-queue.ts';
import { countActivationFailure, provisionToken, kStatusContext, newestActivation, seedContext } from '../../store/tokens.ts';
import { cleanDeviceName } from '../../text.ts';
import { buildEnvelope, SEED_BYTES, tokenTimes } from './envelope.ts';

const invalidCode = (): ProtocolError =>
  new ProtocolError('invalid_activation_code', 'The user ID or activation code is wrong, or no activation is waiting for this user.');
const locked = (): ProtocolError =>
  new ProtocolError('activation_locked', 'This activation code was blocked after too many wrong attempts; ask for a new one.');
const expired = (): ProtocolError => new ProtocolError('activation_expired', 'This activation code has expired; ask for a new one.');
const used = (): ProtocolError => new ProtocolError('activation_used', 'This activation code has already been used.');

/** The profile named by the server URL's query; absent means the default profile. */
function profileName(ctx: AppContext, query: unknown): string | null {
  const q = (query ?? {}) as Record<string, unknown>;
  if (q.profile === undefined) return ctx.config.defaultProfile;
  if (typeof q.profile !== 'string') throw new ProtocolError('invalid_request', 'profile must be given once.');
  return Object.hasOwn(ctx.config.profiles, q.profile) ? q.profile : null;
}

/** Provisions a token: the §3 table, row by row. @see PROTOCOL.md §3 */
export async function provision(ctx: AppContext, body: unknown, query: unknown, ip: string): Promise<ProvisionResponse> {
  const req = parseProvisionRequest(body);
  const name = profileName(ctx, query);
  // An unknown profile has no activation: the same answer as any other miss.
  if (name === null) throw invalidCode();
  const profile = ctx.config.profiles[name]!;
  const activation = await newestActivation(ctx, name, req.userId);
  if (!activation) throw invalidCode();
  const entry = { username: req.userId, ip };
  if (activation.state === 'locked') throw locked();
  // K_ac is kept until the activation's validity ends (so a replay gets 409);
  // once the purge has erased it no proof can be checked.
  if (activation.k_ac === null) throw invalidCode();

  const kAc = ctx.masterKey.openSync(activation.k_ac, activationKeyContext(activation.id));
  if (!checkProvisionProofSync(kAc, req)) {
    await writes(ctx).run(async (tx) => {
      const burned = await countActivationFailure(tx, activation.id, profile.activationMaxAttempts);
      await audit({ db: tx, now: ctx.now }, burned ? 'activation.locked' : 'activation.failed', { ...entry, detail: { activationId: activation.id } });
    });
    throw invalidCode();
  }
  const now = ctx.now();
  if (activation.expires_at <= now) throw expired();
  if (activation.state === 'used') throw used();

  const { tokenId, seed } = newTokenSecretsSync(SEED_BYTES[profile.algorithm]);
  const times = tokenTimes(now, profile);
  const envelope = buildEnvelope(ctx.config, profile, { tokenId, userId: req.userId, seed, times });
  // Sealing first: a client key off the curve is a 400 that leaves the activation untouched.
  const { response, kStatus } = sealEnvelopeSync({ kind: 'provision', kAc }, req, envelope);
  const row = {
    id: tokenId,
    user_id: activation.user_id,
    profile: name,
    activation_id: activation.id,
    renews_token_id: null,
    // Stored and later printed by `token list`: no controls, escapes or bidi overrides.
    device_name: cleanDeviceName(req.device?.name ?? ''),
    seed: ctx.masterKey.sealSync(seed, seedContext(tokenId)),
    k_status: ctx.masterKey.sealSync(kStatus, kStatusContext(tokenId)),
    algorithm: profile.algorithm,
    digits: profile.digits,
    period: profile.period,
    state: 'pending',
    issued_at: times.issuedAt,
    expires_at: times.expiresAt,
    confirmed_at: null,
    revoked_at: null,
  } as const;
  seed.fill(0);
  kAc.fill(0);
  // Consumption, token and audit row in one write: all or nothing.
  const outcome = await provisionToken(ctx, now, activation.id, row, { ...entry, detail: { tokenId, activationId: activation.id, profile: name } });
  if (outcome === 'used') throw used();
  if (outcome === 'expired') throw expired();
  if (outcome === 'locked') throw locked();
  return response;
}

export function provisionRoute(app: FastifyInstance, ctx: AppContext): void {
  app.post('/provision', async (req) => provision(ctx, req.body, req.query, req.ip));
}
