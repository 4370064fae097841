/**
 * SIGKILL in the middle of many provisions (SQLite file): after reopening, no
 * activation is `used` without its token and no token comes from an activation
 * that is not `used`; the server restarts and carries on. @see docs/protocol.md §3
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProvisionRequest, provision } from '../../core/protocol/client.ts';
import type { AppContext } from '../context.ts';
import { openDatabase } from '../db/index.ts';
import { MasterKey } from '../secrets.ts';
import { issueActivation, type IssuedActivation } from './activations.ts';
import { addUser, T0, testConfig } from '../../testing/server/harness.ts';
import { httpFetch, startServer } from '../../testing/server/processes.ts';

const USERS = 40;

async function invariants(file: string) {
  const handle = await openDatabase({ sqliteFile: file });
  try {
    const activations = await handle.db.selectFrom('activations').selectAll().execute();
    const tokens = await handle.db.selectFrom('tokens').selectAll().execute();
    const tokenById = new Map(tokens.map((t) => [t.id, t]));
    const activationById = new Map(activations.map((a) => [a.id, a]));
    const usedWithoutToken = activations.filter((a) => a.state === 'used' && (a.token_id === null || tokenById.get(a.token_id)?.activation_id !== a.id));
    const tokenWithoutUse = tokens.filter((t) => t.activation_id !== null && (activationById.get(t.activation_id)?.state !== 'used' || activationById.get(t.activation_id)?.token_id !== t.id));
    return { usedWithoutToken, tokenWithoutUse, used: activations.filter((a) => a.state === 'used').length, tokens: tokens.length };
  } finally {
    await handle.close();
  }
}

describe('crash safety of provisioning', () => {
  it('leaves no used activation without its token, nor a token without its used activation, after SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jeton-crash-'));
    const file = join(dir, 'jeton.db');
    const masterKey = MasterKey.generate();
    const handle = await openDatabase({ sqliteFile: file });
    const ctx: AppContext = { config: testConfig(), db: handle.db, dialect: 'sqlite', masterKey, mailer: { send: async () => {} }, now: () => T0 };
    const activations: Array<{ username: string; act: IssuedActivation }> = [];
    for (let i = 0; i < USERS; i++) {
      const username = `crash${i}`;
      const user = await addUser(ctx, username);
      activations.push({ username, act: await issueActivation(ctx, user, 'teleacces') });
    }
    await handle.close();

    const env = { JETON_DATA_DIR: dir, DATABASE_URL: '', JETON_MASTER_KEY: masterKey.toText(), JETON_TEST_NOW: String(T0), JETON_RATE_LIMIT_FACTOR: '0' };
    // Requests are built first, so the kill lands while the server (not the client) is busy.
    const requests = await Promise.all(
      activations.map(({ username, act }) => createProvisionRequest({ serverUrl: `http://127.0.0.1/aotp/v1/provision`, userId: username, code: act.code })),
    );
    const server = await startServer(env);
    let answered = 0;
    let killing: Promise<void> | null = null;
    const outcomes = await Promise.allSettled(
      requests.map(async ({ body }) => {
        const res = await fetch(`${server.url}/aotp/v1/provision?profile=teleacces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        answered += 1;
        // Killed as soon as a few are answered: the rest are in flight or not yet read.
        if (answered === 3) killing = server.kill();
        if (res.status !== 200) throw new Error(String(res.status));
        return res.status;
      }),
    );
    await (killing ?? server.kill());
    const succeeded = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(succeeded).toBeGreaterThanOrEqual(3);

    const after = await invariants(file);
    if (process.env.JETON_TEST_VERBOSE) console.info({ succeeded, ...after });
    expect(after.usedWithoutToken).toEqual([]);
    expect(after.tokenWithoutUse).toEqual([]);
    expect(after.used).toBe(after.tokens);
    expect(after.used).toBeGreaterThanOrEqual(succeeded);

    // Restarted, the server finishes the job: each activation is either provisioned now or was before the crash (409).
    const again = await startServer(env);
    try {
      const retries = await Promise.allSettled(
        activations.map(({ username, act }) => provision(httpFetch, { serverUrl: `${again.url}/aotp/v1/provision?profile=teleacces`, userId: username, code: act.code })),
      );
      const codes = retries.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code));
      expect(codes.every((c) => c === 'ok' || c === 'activation_used')).toBe(true);
    } finally {
      await again.stop();
    }
    const final = await invariants(file);
    expect(final).toMatchObject({ usedWithoutToken: [], tokenWithoutUse: [], used: USERS, tokens: USERS });
  }, 90_000);
});
