/**
 * Concurrency across real server processes: N simultaneous provisions with one
 * activation code, and N simultaneous verifications of one code, spread over
 * two processes sharing one PostgreSQL schema (and one process on a SQLite
 * file) → exactly one success each; and simultaneous first confirmations from
 * one address → exactly as many activated as its limit allows.
 * @see docs/protocol.md §1, §3, §4, §7
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64u } from '../../../core/bytes.ts';
import { confirm, createConfirmRequest, createProvisionRequest, openProvisionResponse } from '../../../core/protocol/client.ts';
import type { AppContext } from '../../context.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { issueActivation } from '../../store/activations.ts';
import { createApiKey } from '../../store/api-keys.ts';
import { RATE_LIMITS } from '../../store/rate-limits.ts';
import { pendingTokenRow } from '../../store/tokens/row.ts';
import { hotp } from '../../totp-node.ts';
import { addUser, codeOf, T0 } from '../../../testing/server/harness.ts';
import { CLUSTER_SETUPS, startCluster, type Cluster } from '../../../testing/server/cluster.ts';
import { httpFetch, type ServerProcess } from '../../../testing/server/processes.ts';

const N = 16;

for (const setup of CLUSTER_SETUPS) {
  describe(`concurrency with ${setup.name}`, () => {
    let handle: DatabaseHandle;
    let ctx: AppContext;
    let servers: ServerProcess[] = [];

    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster(setup, { JETON_RATE_LIMIT_FACTOR: '0' });
      ({ handle, ctx, servers } = cluster);
    }, 60_000);

    afterAll(() => cluster?.stop());

    it('lets exactly one of N simultaneous provisions with one code succeed, then exactly one of N verifications of one code', async () => {
      const user = await addUser(ctx, 'format01');
      const act = await issueActivation(ctx, user, 'teleacces');
      const attempts = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const server = servers[i % servers.length]!;
          const serverUrl = `${server.url}/aotp/v1/provision?profile=teleacces`;
          return createProvisionRequest({ serverUrl, userId: 'format01', code: act.code }).then((r) => ({ ...r, serverUrl }));
        }),
      );
      const answers = await Promise.all(
        attempts.map(async (a) => {
          const res = await fetch(a.serverUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a.body) });
          return { status: res.status, body: (await res.json()) as Record<string, unknown>, pending: a.pending };
        }),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true);
      const winner = answers.find((a) => a.status === 200)!;
      const token = await openProvisionResponse(winner.pending, winner.body);
      expect(await handle.db.selectFrom('tokens').select('id').execute()).toEqual([{ id: token.envelope.tokenId }]);
      await confirm(httpFetch, token, codeOf(token, T0));

      const { key } = await createApiKey(ctx, 'login-page');
      // The confirming code counts as used (§7): the next step's code, inside the ±1 window.
      const otp = codeOf(token, T0 + 30_000);
      const verdicts = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const res = await fetch(`${servers[i % servers.length]!.url}/aotp/v1/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ userId: 'format01', otp }),
          });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        }),
      );
      expect(verdicts.filter((v) => v.status === 200)).toHaveLength(1);
      expect(verdicts.filter((v) => v.status === 200)[0]!.body).toMatchObject({ ok: true, tokenId: token.envelope.tokenId });
      // The others are copies of the code just accepted: 401 invalid_otp, not counted, so nobody is locked.
      expect(verdicts.filter((v) => v.status === 401 && v.body.error === 'invalid_otp')).toHaveLength(N - 1);
      const row = await handle.db.selectFrom('users').select('login_failures').where('username', '=', 'format01').executeTakeFirstOrThrow();
      expect(row.login_failures).toBe(0);
    }, 60_000);
  });

  describe(`first confirmations past the address limit, ${setup.name}`, () => {
    const FACTOR = 0.05;
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster(setup, { JETON_RATE_LIMIT_FACTOR: String(FACTOR) });
    }, 60_000);

    afterAll(() => cluster?.stop());

    it('of simultaneous first confirmations from one address over the instances, exactly the limit activate; the others get 429 and stay pending', async () => {
      const { ctx, handle } = cluster;
      const allowed = Math.floor(RATE_LIMITS.confirm.ip.max * FACTOR);
      const count = allowed * 2;
      // Pending tokens written as provisioning writes them, one user each (the per-user limit is not what is tested).
      const tokens = [];
      for (let i = 0; i < count; i++) {
        const user = await addUser(ctx, `burst${String(i).padStart(2, '0')}`);
        const seed = crypto.getRandomValues(new Uint8Array(20));
        const kStatus = crypto.getRandomValues(new Uint8Array(32));
        const id = b64u(crypto.getRandomValues(new Uint8Array(16)));
        const settings = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
        const row = pendingTokenRow(ctx.masterKey, { id, userId: user.id, profile: 'teleacces', settings, activationId: null, renewsTokenId: null, deviceName: 'Burst', seed, kStatus, issuedAt: T0, expiresAt: T0 + 365 * 86_400_000 });
        await handle.db.insertInto('tokens').values(row).execute();
        tokens.push({ id, kStatus, otp: hotp({ seed, ...settings }, Math.floor(T0 / 30_000)) });
      }
      const statuses = await Promise.all(
        tokens.map(async (t, i) => {
          const res = await fetch(`${cluster.url(i)}/aotp/v1/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await createConfirmRequest(t.id, t.kStatus, t.otp)) });
          return res.status;
        }),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(allowed);
      expect(statuses.filter((s) => s === 429)).toHaveLength(count - allowed);
      const states = await handle.db.selectFrom('tokens').select('state').execute();
      expect(states.filter((r) => r.state === 'active')).toHaveLength(allowed);
      expect(states.filter((r) => r.state === 'pending')).toHaveLength(count - allowed);
      expect(await handle.db.selectFrom('audit').select('id').where('event', '=', 'token.confirmed').execute()).toHaveLength(allowed);
    }, 60_000);
  });
}
