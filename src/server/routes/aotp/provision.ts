/** `POST /aotp/v1/provision?profile=…`: trades a proof of the activation code for a sealed token. @see docs/protocol.md §3 */
import type { FastifyInstance } from 'fastify';
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { parseProvisionRequest, type ProvisionRequest, type ProvisionResponse } from '../../../core/protocol/messages.ts';
import type { AppContext } from '../../context.ts';
import { checkProvisionProofSync, newTokenSecretsSync, sealEnvelopeSync } from '../../protocol-crypto.ts';
import { activationKeyContext } from '../../store/activations.ts';
import { audit } from '../../store/audit.ts';
import { writes } from '../../store/write-queue.ts';
import { newestActivationCounted } from '../../store/tokens/find.ts';
import { countActivationFailure, provisionToken } from '../../store/tokens/provision.ts';
import { pendingTokenRow } from '../../store/tokens/row.ts';
import { cleanDeviceName } from '../../text.ts';
import { checkRateLimit, rateLimited } from './token-auth.ts';
import { buildEnvelope, SEED_BYTES, tokenTimes } from './envelope.ts';

const invalidCode = (): ProtocolError =>
  new ProtocolError('invalid_activation_code', 'The user ID or activation code is wrong, or no activation is waiting for this user.');
const locked = (): ProtocolError =>
  new ProtocolError('activation_locked', 'This activation code was blocked after too many wrong attempts; ask for a new one.');
const expired = (): ProtocolError => new ProtocolError('activation_expired', 'This activation code has expired; ask for a new one.');
const used = (): ProtocolError => new ProtocolError('activation_used', 'This activation code has already been used.');
/** §3's `401 invalid_activation_code`, with the additive `replaced: true` (« Ce code a été remplacé par un plus récent »). */
const replaced = (): ProtocolError =>
  new ProtocolError('invalid_activation_code', 'This activation code was replaced by a newer one: use the newest code you received.', { replaced: true });

/** Older activations whose proof is checked, newest first: enough for a user who asked for a few codes. */
const REPLACED_LOOKBACK = 3;

/** Whether the request's proof is right for one of the user's few older, still unexpired activations of this profile. */
async function provesReplacedActivation(ctx: AppContext, profile: string, req: ProvisionRequest, newestId: number): Promise<boolean> {
  const older = await ctx.db
    .selectFrom('activations')
    .innerJoin('users', 'users.id', 'activations.user_id')
    .select(['activations.id', 'activations.k_ac'])
    .where('users.username', '=', req.userId)
    .where('activations.profile', '=', profile)
    .where('activations.id', '<', newestId)
    .where('activations.k_ac', 'is not', null)
    .where('activations.expires_at', '>', ctx.now())
    .orderBy('activations.id', 'desc')
    .limit(REPLACED_LOOKBACK)
    .execute();
  for (const row of older) {
    const kAc = ctx.masterKey.openSync(row.k_ac!, activationKeyContext(row.id));
    const right = checkProvisionProofSync(kAc, req);
    kAc.fill(0);
    if (right) return true;
  }
  return false;
}

/** The profile named by the server URL's query; absent means the default profile. */
function profileName(ctx: AppContext, query: unknown): string | null {
  const q = (query ?? {}) as Record<string, unknown>;
  if (q.profile === undefined) return ctx.config.defaultProfile;
  if (typeof q.profile !== 'string') throw new ProtocolError('invalid_request', 'profile must be given once.');
  return Object.hasOwn(ctx.config.profiles, q.profile) ? q.profile : null;
}

/** Provisions a token: the §3 table, row by row. @see docs/protocol.md §3 */
async function provision(ctx: AppContext, body: unknown, query: unknown, ip: string): Promise<ProvisionResponse> {
  const req = parseProvisionRequest(body);
  const name = profileName(ctx, query);
  // An unknown profile has no activation: the same answer as any other miss.
  if (name === null) {
    await checkRateLimit(ctx, 'provision', ip, req.userId);
    throw invalidCode();
  }
  // The hit is counted and the activation read together (one statement on
  // PostgreSQL); a limited request goes no further than the read, which tells it nothing.
  const { wait, activation } = await newestActivationCounted(ctx, name, req.userId, { bucket: 'provision', ip });
  if (wait !== null) throw rateLimited(wait);
  const profile = ctx.config.profiles[name]!;
  if (!activation) throw invalidCode();
  const entry = { username: req.userId, ip };
  if (activation.state === 'locked') throw locked();
  // K_ac is kept until the activation's validity ends (so a replay gets 409);
  // once the purge has erased it no proof can be checked.
  if (activation.k_ac === null) throw invalidCode();

  const kAc = ctx.masterKey.openSync(activation.k_ac, activationKeyContext(activation.id));
  if (!checkProvisionProofSync(kAc, req)) {
    kAc.fill(0);
    // A right proof of an older code of this user: not a guess, so not counted; the
    // user is told to take the newest code (said only after a valid proof: nothing leaks).
    if (await provesReplacedActivation(ctx, name, req, activation.id)) throw replaced();
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
  const row = pendingTokenRow(ctx.masterKey, {
    id: tokenId,
    userId: activation.user_id,
    profile: name,
    settings: profile,
    activationId: activation.id,
    renewsTokenId: null,
    // Stored and later printed by `token list`: no controls, escapes or bidi overrides.
    deviceName: cleanDeviceName(req.device?.name ?? ''),
    seed,
    kStatus,
    issuedAt: times.issuedAt,
    expiresAt: times.expiresAt,
  });
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
