/**
 * A provisioning server in memory, built on the protocol's reference
 * implementation, for the background's tests: it speaks docs/protocol.md
 * §3–§6 through a `Fetch`. Not part of the extension.
 */
import type { Fetch } from '../../core/protocol/client.ts';
import { ProtocolError, SERVER_ERRORS, type ServerErrorCode } from '../../core/protocol/errors.ts';
import { deriveActivationKey } from '../../core/protocol/keys.ts';
import { parseConfirmRequest, parseProvisionRequest, parseRenewRequest, parseStatusRequest, type Envelope } from '../../core/protocol/messages.ts';
import { matchTOTP } from '../../core/totp.ts';
import { checkConfirmMac, checkProvisionProof, checkRenewMac, checkStatusMac, newTokenSecrets, sealEnvelope } from '../protocol-reference.ts';
import { SAMPLE_ORIGIN, SAMPLE_SERVER_URL, sampleEnvelope } from '../sample-envelope.ts';

export const ORIGIN = SAMPLE_ORIGIN;
export const SERVER_URL = SAMPLE_SERVER_URL;

interface ServerToken {
  userId: string;
  seed: Uint8Array;
  kStatus: Uint8Array;
  status: 'pending' | 'active' | 'superseded' | 'revoked';
  expiresAt: string;
  /** The token a renewal replaces once confirmed (§4). */
  renews?: string;
  /** The time step of the last code accepted (the confirming one counts, §7): a code of this step or older is a replay. */
  lastStep?: number;
}

export interface FakeServerOptions {
  userId: string;
  code: string;
  now: () => number;
  pin?: { required: boolean; minLength: number };
  /** What happens to the activation: usable, or one of the §3 refusals. */
  activation?: 'usable' | 'expired' | 'used' | 'locked' | 'replaced';
  /** The profile's `exportable` (default false, as the teleaccess profile). */
  exportable?: boolean;
  /** Token validity in days (default 365) and renewal window (default 30; null: the profile renews through the portal). */
  validityDays?: number;
  renewWindowDays?: number | null;
  /** Wrong codes before the user is locked (default 5), and for how long (default 900 s). */
  maxFailures?: number;
  lockoutSeconds?: number;
  /** Answers §5's additive `failuresLeft` / `locked` (default true); false: a server before them (423 when locked). */
  lockoutFields?: boolean;
}

export interface FakeServer {
  fetch: Fetch;
  /** Each request's path, in order. */
  calls: string[];
  tokens: Map<string, ServerToken>;
  /** Makes every request fail as if the network were down. */
  unreachable: boolean;
  /** Seals with a key that does not come from the activation code (a fake server). */
  impostor: boolean;
  /** Paths that fail as if the network were down (one request each, or always with `Infinity`). */
  failNext: Map<string, number>;
  /** Consecutive wrong codes of the user, and the end of their lock (epoch ms). */
  failures: number;
  lockedUntil: number;
  /** Called with each path once the server has done its work, before the client reads the answer (to fail what follows). */
  /** Runs after an answer is made and before the client gets it (awaited). */
  afterAnswer: ((path: string) => void | Promise<void>) | null;
  /** Seconds added to the client's clock to get this server's (a skewed client: negative). */
  clockAheadMs: number;
}

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
  text: async () => JSON.stringify(body),
});

const refuse = (code: ServerErrorCode) => answer(SERVER_ERRORS[code], { error: code, message: code });

/** A fake provisioning server for one user and one activation code. */
export function fakeServer(options: FakeServerOptions): FakeServer {
  let activation = options.activation ?? 'usable';
  const server: FakeServer = {
    calls: [],
    tokens: new Map(),
    unreachable: false,
    impostor: false,
    failNext: new Map(),
    failures: 0,
    lockedUntil: 0,
    afterAnswer: null,
    clockAheadMs: 0,
    fetch: async (url, init) => {
      const path = new URL(url).pathname;
      server.calls.push(path);
      if (server.unreachable) throw new TypeError('Failed to fetch');
      const failing = server.failNext.get(path) ?? 0;
      if (failing > 0) {
        server.failNext.set(path, failing - 1);
        throw new TypeError('Failed to fetch');
      }
      const res = await route(path, init.body);
      await server.afterAnswer?.(path);
      return res;
    },
  };

  const now = () => options.now() + server.clockAheadMs;

  async function route(path: string, text: string) {
    try {
      const body: unknown = JSON.parse(text);
      if (path === '/aotp/v1/provision') return await provisionRoute(body);
      if (path === '/aotp/v1/confirm') return await confirmRoute(body);
      if (path === '/aotp/v1/status') return await statusRoute(body);
      if (path === '/aotp/v1/renew') return await renewRoute(body);
      return refuse('not_found');
    } catch (err) {
      if (err instanceof ProtocolError) return refuse(err.code as ServerErrorCode);
      throw err;
    }
  }

  async function provisionRoute(body: unknown) {
    const req = parseProvisionRequest(body);
    if (activation === 'locked') return refuse('activation_locked');
    const kAc = await deriveActivationKey(options.code, options.userId);
    if (req.userId !== options.userId || !(await checkProvisionProof(kAc, req))) return refuse('invalid_activation_code');
    if (activation === 'expired') return refuse('activation_expired');
    if (activation === 'used') return refuse('activation_used');
    if (activation === 'replaced') return answer(401, { error: 'invalid_activation_code', message: 'replaced', replaced: true });
    activation = 'used';
    const { envelope, seed, expiresAt } = newEnvelope(req.userId);
    const source = server.impostor ? { kind: 'provision' as const, kAc: new Uint8Array(32) } : { kind: 'provision' as const, kAc };
    const { response, kStatus } = await sealEnvelope(source, req, envelope);
    server.tokens.set(envelope.tokenId, { userId: req.userId, seed, kStatus, status: 'pending', expiresAt });
    return answer(200, response);
  }

  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const window = options.renewWindowDays === undefined ? 30 : options.renewWindowDays;
  const opensAt = (expiresAt: string) => iso(Date.parse(expiresAt) - (window ?? 0) * 86_400_000);

  function newEnvelope(userId: string): { envelope: Envelope; seed: Uint8Array; expiresAt: string } {
    const { tokenId, seed } = newTokenSecrets();
    const expiresAt = iso(now() + (options.validityDays ?? 365) * 86_400_000);
    const { renewUrl, ...sample } = sampleEnvelope(userId, tokenId, seed);
    const envelope: Envelope = {
      ...sample,
      issuedAt: iso(now()),
      expiresAt,
      pin: options.pin ?? { required: false, minLength: 0 },
      ...(window === null ? {} : { renewUrl }),
      exportable: options.exportable ?? false,
    };
    return { envelope, seed, expiresAt };
  }

  const stateOf = (token: ServerToken): string => (token.status === 'active' && Date.parse(token.expiresAt) <= now() ? 'expired' : token.status);
  const codeMatches = (token: ServerToken, otp: string, at = now()) => matchTOTP({ seed: token.seed, algorithm: 'SHA1', digits: 6, period: 30 }, otp, at) !== null;

  /** §7's count: one more failure, locked at maxFailures. */
  function fail(): void {
    server.failures += 1;
    if (server.failures >= (options.maxFailures ?? 5)) {
      server.lockedUntil = now() + (options.lockoutSeconds ?? 900) * 1000;
      server.failures = 0;
    }
  }
  const retryAfter = () => Math.ceil((server.lockedUntil - now()) / 1000);

  async function renewRoute(body: unknown) {
    const req = parseRenewRequest(body);
    const serverTime = Math.floor(now() / 1000);
    if (Math.abs(req.ts - serverTime) > 300) return answer(400, { error: 'clock_skew', message: 'clock', serverTime });
    const old = server.tokens.get(req.tokenId);
    if (!old || !(await checkRenewMac(old.kStatus, req))) return refuse('invalid_mac');
    if (window === null) return refuse('renewal_disabled');
    if (stateOf(old) !== 'active') return refuse('no_active_token');
    if (now() < Date.parse(opensAt(old.expiresAt))) return answer(403, { error: 'renewal_not_open', message: 'not yet', renewOpensAt: opensAt(old.expiresAt) });
    if (server.lockedUntil > now()) return answer(423, { error: 'locked', message: 'locked', retryAfter: retryAfter() }, { 'retry-after': String(retryAfter()) });
    const step = matchTOTP({ seed: old.seed, algorithm: 'SHA1', digits: 6, period: 30 }, req.otp, now());
    if (step === null) {
      fail();
      return refuse('invalid_otp');
    }
    // A replay of the last accepted code is refused without counting (§7).
    if (step <= (old.lastStep ?? -1)) return refuse('invalid_otp');
    old.lastStep = step;
    // An earlier pending renewal of the same token is dropped.
    for (const [id, t] of server.tokens) if (t.renews === req.tokenId && t.status === 'pending') server.tokens.delete(id);
    const { envelope, seed, expiresAt } = newEnvelope(old.userId);
    const { response, kStatus } = await sealEnvelope({ kind: 'renew', kStatusOld: old.kStatus, tokenId: req.tokenId }, { ...req, userId: old.userId }, envelope);
    server.tokens.set(envelope.tokenId, { userId: old.userId, seed, kStatus, status: 'pending', expiresAt, renews: req.tokenId });
    return answer(200, response);
  }

  async function confirmRoute(body: unknown) {
    const req = parseConfirmRequest(body);
    const token = server.tokens.get(req.tokenId);
    if (!token || !(await checkConfirmMac(token.kStatus, req))) return refuse('invalid_mac');
    if (token.status !== 'pending' && token.status !== 'active') return refuse('no_active_token');
    const step = matchTOTP({ seed: token.seed, algorithm: 'SHA1', digits: 6, period: 30 }, req.otp, now());
    if (step === null) return refuse('invalid_otp');
    if (token.status === 'pending') token.lastStep = step;
    if (token.renews !== undefined && token.status === 'pending') {
      const old = server.tokens.get(token.renews);
      if (!old || old.status !== 'active') {
        server.tokens.delete(req.tokenId);
        return refuse('no_active_token');
      }
      old.status = 'superseded';
    }
    token.status = 'active';
    return answer(200, { status: 'active', expiresAt: token.expiresAt });
  }

  async function statusRoute(body: unknown) {
    const req = parseStatusRequest(body);
    const token = server.tokens.get(req.tokenId);
    if (!token || !(await checkStatusMac(token.kStatus, req))) return refuse('invalid_mac');
    const serverTime = Math.floor(now() / 1000);
    if (Math.abs(req.ts - serverTime) > 300) return answer(400, { error: 'clock_skew', message: 'clock', serverTime });
    const status = stateOf(token);
    const res: Record<string, unknown> = { status, expiresAt: token.expiresAt, serverTime, renewOpensAt: opensAt(token.expiresAt) };
    if (req.otp === undefined) return answer(200, res);
    if (status !== 'active' && status !== 'pending') return answer(200, { ...res, otpValid: false });
    if (status === 'active' && server.lockedUntil > now()) {
      // A locked user's code is neither checked nor counted (§5); older servers answered 423.
      if (options.lockoutFields === false) return answer(423, { error: 'locked', message: 'locked', retryAfter: retryAfter() }, { 'retry-after': String(retryAfter()) });
      return answer(200, { ...res, locked: true, retryAfter: retryAfter() });
    }
    res.otpValid = codeMatches(token, req.otp, serverTime * 1000);
    if (res.otpValid === false && status === 'active') {
      fail();
      if (options.lockoutFields !== false) res.failuresLeft = server.lockedUntil > now() ? 0 : (options.maxFailures ?? 5) - server.failures;
    }
    return answer(200, res);
  }

  return server;
}
