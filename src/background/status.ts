/**
 * The token's state from its server (PROTOCOL §5): asked when the popup
 * opens (at most once a minute per token), once a day (an alarm), and after
 * a renewal. The answer updates the state, the expiry, when renewal opens,
 * and the clock offset (`serverTime`), in one vault write.
 */
import { fromB64u } from '../core/bytes.ts';
import { clockOffset } from '../core/expiry.ts';
import { status } from '../core/protocol/client.ts';
import { ProtocolError } from '../core/protocol/errors.ts';
import type { StatusResponse } from '../core/protocol/messages.ts';
import { TOKEN_STATES, type ServerBinding, type TokenRecord } from '../core/vault.ts';
import type { Deps } from './deps.ts';

/** The popup asks a token's server at most this often. */
const STATUS_EVERY_MS = 60_000;

/**
 * §5 at the server's time as we know it; on `clock_skew`, once more at the
 * time the server gave. Returns the answer and the clock offset it shows.
 * `otpAt` makes the code for the online PIN check at a given (server) time.
 * @see docs/protocol.md §5
 */
export async function askStatus(
  deps: Deps,
  server: Pick<ServerBinding, 'tokenId' | 'statusUrl' | 'kStatus'>,
  offsetMs: number,
  otpAt?: (serverMs: number) => string,
): Promise<{ answer: StatusResponse; offsetMs: number }> {
  const ref = { tokenId: server.tokenId, statusUrl: server.statusUrl, kStatus: fromB64u(server.kStatus) };
  const at = deps.now() + offsetMs;
  let answer: StatusResponse;
  try {
    answer = await status(deps.fetch, ref, at, otpAt?.(at));
  } catch (err) {
    const serverTime = err instanceof ProtocolError && err.code === 'clock_skew' ? err.details.serverTime : undefined;
    if (typeof serverTime !== 'number' || !Number.isFinite(serverTime)) throw err;
    const corrected = deps.now() + clockOffset(serverTime, deps.now());
    answer = await status(deps.fetch, ref, corrected, otpAt?.(corrected));
  }
  return { answer, offsetMs: clockOffset(answer.serverTime, deps.now()) };
}

const validDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** The token with a §5 answer applied (state, expiry, renewal opening, time of the answer). */
export function withStatus(token: TokenRecord, answer: StatusResponse, now: number): TokenRecord {
  if (!token.server) return token;
  const server: ServerBinding = { ...token.server, statusAt: new Date(now).toISOString() };
  // An unknown state from a later server is not guessed at: the last known one stays.
  if (TOKEN_STATES.includes(answer.status)) server.state = answer.status;
  if (validDate(answer.renewOpensAt)) server.renewOpensAt = answer.renewOpensAt;
  return { ...token, expiresAt: validDate(answer.expiresAt) ? answer.expiresAt : token.expiresAt, server };
}

/** Tokens worth asking about: live on the server (dead ones stay dead), or with a renewal to finish. */
const askable = (t: TokenRecord): boolean => t.server !== undefined && (t.server.state === 'active' || t.renewal !== undefined);

/**
 * Asks the server of each live token for its state; `force` (the daily alarm)
 * asks them all, otherwise only those not asked in the last minute. Tokens
 * whose server cannot be reached keep what they had. Returns the ids asked.
 */
export async function refreshStatuses(deps: Deps, { force }: { force: boolean }): Promise<string[]> {
  const [vault, tried] = await Promise.all([deps.vault.read(), deps.session.statusTriedAt()]);
  const now = deps.now();
  const due = vault.tokens.filter((t) => askable(t) && (force || now - (tried[t.id] ?? 0) >= STATUS_EVERY_MS));
  if (due.length === 0) return [];
  await deps.session.setStatusTriedAt(
    due.map((t) => t.id),
    now,
  );
  // Keyed by local id, with the server token asked about: a renewal finished meanwhile must not get the old token's state.
  const answers = new Map<string, { tokenId: string; answer: StatusResponse }>();
  let offset: number | null = null;
  for (const token of due) {
    try {
      const got = await askStatus(deps, token.server!, offset ?? vault.clockOffsetMs);
      answers.set(token.id, { tokenId: token.server!.tokenId, answer: got.answer });
      offset = got.offsetMs;
    } catch {
      // Unreachable or refused: the token keeps its last known state; the next opening or the alarm asks again.
    }
  }
  if (answers.size > 0) {
    const at = deps.now();
    await deps.vault.update((v) => ({
      ...v,
      clockOffsetMs: offset ?? v.clockOffsetMs,
      tokens: v.tokens.map((t) => {
        const asked = answers.get(t.id);
        return asked && t.server?.tokenId === asked.tokenId ? withStatus(t, asked.answer, at) : t;
      }),
    }));
  }
  return [...answers.keys()];
}
