/**
 * A provisioning server in memory, built on core's server-side functions, for
 * the background's tests: it speaks PROTOCOL.md §3–§5 through a `Fetch`.
 * Not part of the extension (nothing in index.ts imports it).
 */
import { b64u } from '../core/bytes.ts';
import type { Fetch } from '../core/protocol/client.ts';
import { ProtocolError, SERVER_ERRORS, type ServerErrorCode } from '../core/protocol/errors.ts';
import { deriveActivationKey } from '../core/protocol/keys.ts';
import { parseConfirmRequest, parseProvisionRequest, parseStatusRequest, type Envelope } from '../core/protocol/messages.ts';
import { checkConfirmMac, checkProvisionProof, checkStatusMac, newTokenSecrets, sealEnvelope } from '../core/protocol/server.ts';
import { matchTOTP } from '../core/totp.ts';

export const ORIGIN = 'https://teleacces.example';
export const SERVER_URL = `${ORIGIN}/aotp/v1/provision?profile=teleacces`;

interface ServerToken {
  userId: string;
  seed: Uint8Array;
  kStatus: Uint8Array;
  status: 'pending' | 'active';
  expiresAt: string;
}

export interface FakeServerOptions {
  userId: string;
  code: string;
  now: () => number;
  pin?: { required: boolean; minLength: number };
  /** What happens to the activation: usable, or one of the §3 refusals. */
  activation?: 'usable' | 'expired' | 'used' | 'locked';
  /** The profile's `exportable` (default false, as the teleaccess profile). */
  exportable?: boolean;
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
    fetch: async (url, init) => {
      const path = new URL(url).pathname;
      server.calls.push(path);
      if (server.unreachable) throw new TypeError('Failed to fetch');
      try {
        const body: unknown = JSON.parse(init.body);
        if (path === '/aotp/v1/provision') return await provisionRoute(body);
        if (path === '/aotp/v1/confirm') return await confirmRoute(body);
        if (path === '/aotp/v1/status') return await statusRoute(body);
        return refuse('not_found');
      } catch (err) {
        if (err instanceof ProtocolError) return refuse(err.code as ServerErrorCode);
        throw err;
      }
    },
  };

  async function provisionRoute(body: unknown) {
    const req = parseProvisionRequest(body);
    if (activation === 'locked') return refuse('activation_locked');
    const kAc = await deriveActivationKey(options.code, options.userId);
    if (req.userId !== options.userId || !(await checkProvisionProof(kAc, req))) return refuse('invalid_activation_code');
    if (activation === 'expired') return refuse('activation_expired');
    if (activation === 'used') return refuse('activation_used');
    activation = 'used';
    const { tokenId, seed } = newTokenSecrets();
    const expiresAt = new Date(options.now() + 365 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const envelope: Envelope = {
      tokenId,
      issuer: 'Téléaccès',
      userId: req.userId,
      seed: b64u(seed),
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      issuedAt: new Date(options.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      expiresAt,
      pin: options.pin ?? { required: false, minLength: 0 },
      loginOrigins: [ORIGIN],
      portalUrl: `${ORIGIN}/virtuel`,
      confirmUrl: `${ORIGIN}/aotp/v1/confirm`,
      statusUrl: `${ORIGIN}/aotp/v1/status`,
      exportable: options.exportable ?? false,
    };
    const source = server.impostor ? { kind: 'provision' as const, kAc: new Uint8Array(32) } : { kind: 'provision' as const, kAc };
    const { response, kStatus } = await sealEnvelope(source, req, envelope);
    server.tokens.set(tokenId, { userId: req.userId, seed, kStatus, status: 'pending', expiresAt });
    return answer(200, response);
  }

  async function confirmRoute(body: unknown) {
    const req = parseConfirmRequest(body);
    const token = server.tokens.get(req.tokenId);
    if (!token || !(await checkConfirmMac(token.kStatus, req))) return refuse('invalid_mac');
    if (matchTOTP({ seed: token.seed, algorithm: 'SHA1', digits: 6, period: 30 }, req.otp, options.now()) === null) return refuse('invalid_otp');
    token.status = 'active';
    return answer(200, { status: 'active', expiresAt: token.expiresAt });
  }

  async function statusRoute(body: unknown) {
    const req = parseStatusRequest(body);
    const token = server.tokens.get(req.tokenId);
    if (!token || !(await checkStatusMac(token.kStatus, req))) return refuse('invalid_mac');
    const serverTime = Math.floor(options.now() / 1000);
    if (Math.abs(req.ts - serverTime) > 300) return answer(400, { error: 'clock_skew', message: 'clock', serverTime });
    const res: Record<string, unknown> = { status: token.status, expiresAt: token.expiresAt, serverTime, renewOpensAt: token.expiresAt };
    if (req.otp !== undefined) res.otpValid = matchTOTP({ seed: token.seed, algorithm: 'SHA1', digits: 6, period: 30 }, req.otp, serverTime * 1000) !== null;
    return answer(200, res);
  }

  return server;
}
