/**
 * Lockouts under concurrent bursts, on real server processes: two sharing one
 * PostgreSQL schema, and one on a SQLite file. Whatever arrives at once, at
 * most `maxFailures` wrong codes (3 wrong answers at the portal) are counted
 * and answered as wrong per lock window, and nothing is accepted while the
 * user is locked. The audit table, written in the same step as each count,
 * gives the order the database saw. @see docs/protocol.md §5, §7
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirm, createConfirmRequest, createStatusRequest, provision, type ProvisionedToken } from '../../../core/protocol/client.ts';
import type { AppContext } from '../../context.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { issueActivation } from '../../store/activations.ts';
import { createApiKey } from '../../store/api-keys.ts';
import { createUser } from '../../store/users.ts';
import { codeOf, T0, wrongCode } from '../../../testing/server/harness.ts';
import { CLUSTER_SETUPS, startCluster, type Cluster } from '../../../testing/server/cluster.ts';
import { httpFetch, type ServerProcess } from '../../../testing/server/processes.ts';
import { Browser, httpTransport } from '../../../testing/server/browser.ts';

const MAX_FAILURES = 5;
const PORTAL_MAX_FAILURES = 3;

type Answer = { status: number; body: Record<string, unknown> };

/**
 * Walks a user's audit rows in the order they were written: counted failures
 * never exceed `max` between two successes, and no success follows `max`
 * failures (the user was locked; the pinned clock never lets a lock run out).
 */
function checkAuditOrder(rows: Array<{ event: string; detail: string }>, max: number, failed: (r: { event: string; detail: string }) => boolean, ok: (event: string) => boolean): number {
  let run = 0;
  let counted = 0;
  for (const row of rows) {
    if (failed(row)) {
      run++;
      counted++;
      expect(run, 'failures counted in one lock window').toBeLessThanOrEqual(max);
    } else if (ok(row.event)) {
      expect(run, 'a success after the lock was recorded').toBeLessThan(max);
      run = 0;
    }
  }
  return counted;
}

const countedLoginFailure = (r: { event: string; detail: string }): boolean =>
  (r.event === 'login.failed' || r.event === 'login.locked') && 'failures' in (JSON.parse(r.detail) as object);

for (const setup of CLUSTER_SETUPS) {
  describe(`lockouts under concurrent bursts, ${setup.name}`, () => {
    let handle: DatabaseHandle;
    let ctx: AppContext;
    let servers: ServerProcess[] = [];
    let apiKey: string;
    let users = 0;

    let cluster: Cluster;
    beforeAll(async () => {
      // The bursts come from one address: the per-client rate limits are not what is tested here.
      cluster = await startCluster(setup, { JETON_RATE_LIMIT_FACTOR: '1000' });
      ({ handle, ctx, servers } = cluster);
      apiKey = (await createApiKey(ctx, 'race')).key;
    }, 60_000);

    afterAll(() => cluster?.stop());

    const server = (i: number): string => servers[i % servers.length]!.url;

    /** A new user with a password and an active token, made through the servers. */
    async function userWithToken(): Promise<{ username: string; token: ProvisionedToken }> {
      const username = `race${++users}`;
      const user = await createUser(ctx, { username, email: `${username}@example.org`, questions: [{ question: 'Couleur ?', answer: 'rouge' }], password: 'motdepasse-1' });
      const act = await issueActivation(ctx, user, 'teleacces');
      const serverUrl = act.serverUrl.replace(ctx.config.publicUrl, server(0));
      const token = await provision(httpFetch, { serverUrl, userId: username, code: act.code, deviceName: 'Race' });
      await confirm(httpFetch, token, codeOf(token, T0));
      return { username, token };
    }

    const auditOf = (username: string) =>
      handle.db.selectFrom('audit').select(['event', 'detail']).where('username', '=', username).orderBy('id').execute();
    const failuresOf = async (username: string) =>
      (await handle.db.selectFrom('users').select('login_failures').where('username', '=', username).executeTakeFirstOrThrow()).login_failures;

    async function verify(i: number, userId: string, otp: string): Promise<Answer> {
      const res = await fetch(`${server(i)}/aotp/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ userId, otp }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    it('verify: of 100 simultaneous wrong codes, 5 are answered wrong and counted, the others locked', async () => {
      const { username, token } = await userWithToken();
      const bad = wrongCode(codeOf(token, T0));
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => verify(i, username, bad)));
      expect(answers.filter((a) => a.status === 401)).toHaveLength(MAX_FAILURES);
      expect(answers.filter((a) => a.status === 423 && a.body.error === 'locked')).toHaveLength(100 - MAX_FAILURES);
      expect(await failuresOf(username)).toBe(MAX_FAILURES);
      expect(checkAuditOrder(await auditOf(username), MAX_FAILURES, countedLoginFailure, (e) => e === 'login.ok')).toBe(MAX_FAILURES);
    }, 60_000);

    it('verify: a right code in a burst of 60 wrong ones is never accepted once the lock is recorded', async () => {
      const { username, token } = await userWithToken();
      const right = codeOf(token, T0 + 30_000);
      const bad = wrongCode(right);
      // Codes of the next step: the confirmation used this one.
      const answers = await Promise.all(Array.from({ length: 61 }, (_, i) => verify(i, username, i === 40 ? right : bad)));
      const ok = answers.filter((a) => a.status === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      const counted = checkAuditOrder(await auditOf(username), MAX_FAILURES, countedLoginFailure, (e) => e === 'login.ok');
      expect(answers.filter((a) => a.status === 401)).toHaveLength(counted);
      // The right code is accepted (before the lock) or refused as locked, never judged wrong.
      expect([200, 423]).toContain(answers[40]!.status);
    }, 60_000);

    it('/login: of 40 simultaneous wrong codes on the code page, 5 are answered wrong, the others locked', async () => {
      const { username, token } = await userWithToken();
      const b = new Browser(httpTransport(server(0)));
      await b.get('/login');
      const step = await b.post('/login', { username, password: 'motdepasse-1' });
      expect(step.status).toBe(303);
      const page = await b.follow(step);
      const csrf = b.csrf();
      expect(page.status).toBe(200);
      const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const bad = wrongCode(codeOf(token, T0));
      const answers = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const res = await fetch(`${server(i)}/login/code`, {
            method: 'POST',
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ csrf, otp: bad }).toString(),
          });
          await res.text();
          return res.status;
        }),
      );
      expect(answers.filter((s) => s === 401)).toHaveLength(MAX_FAILURES);
      expect(answers.filter((s) => s === 423)).toHaveLength(40 - MAX_FAILURES);
      expect(await failuresOf(username)).toBe(MAX_FAILURES);
    }, 60_000);

    it('status: of 40 simultaneous wrong codes, 5 are counted with failuresLeft, the others answered locked', async () => {
      const { username, token } = await userWithToken();
      const bad = wrongCode(codeOf(token, T0));
      const ts = Math.floor(T0 / 1000);
      const answers = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const body = await createStatusRequest(token.envelope.tokenId, token.kStatus, ts, bad);
          const res = await fetch(`${server(i)}/aotp/v1/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        }),
      );
      expect(answers.every((a) => a.status === 200 && a.body.otpValid === false)).toBe(true);
      const left = answers.filter((a) => 'failuresLeft' in a.body).map((a) => a.body.failuresLeft);
      expect(left.sort()).toEqual([0, 1, 2, 3, 4]);
      expect(answers.filter((a) => a.body.locked === true && !('failuresLeft' in a.body))).toHaveLength(40 - MAX_FAILURES);
      expect(await failuresOf(username)).toBe(MAX_FAILURES);
    }, 60_000);

    it('confirm on an active token: of 40 simultaneous wrong codes, 5 are counted, the others locked', async () => {
      const { username, token } = await userWithToken();
      const bad = wrongCode(codeOf(token, T0));
      const answers = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const body = await createConfirmRequest(token.envelope.tokenId, token.kStatus, bad);
          const res = await fetch(`${server(i)}/aotp/v1/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        }),
      );
      expect(answers.filter((a) => a.status === 401 && a.body.error === 'invalid_otp')).toHaveLength(MAX_FAILURES);
      expect(answers.filter((a) => a.status === 423)).toHaveLength(40 - MAX_FAILURES);
      expect(await failuresOf(username)).toBe(MAX_FAILURES);
    }, 60_000);

    it('portal: a right answer in a burst of 20 wrong ones never passes once 3 failures are recorded', async () => {
      const { username } = await userWithToken();
      const b = new Browser(httpTransport(server(0)));
      await b.get('/virtuel');
      const verifyPage = await b.follow(await b.post('/virtuel/identify', { username }));
      expect(verifyPage.status).toBe(200);
      const csrf = b.csrf();
      const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const answers = await Promise.all(
        Array.from({ length: 21 }, async (_, i) => {
          const res = await fetch(`${server(i)}/virtuel/verify`, {
            method: 'POST',
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ csrf, answer: i === 12 ? 'rouge' : 'bleu' }).toString(),
            redirect: 'manual',
          });
          await res.text();
          return res.status;
        }),
      );
      const counted = checkAuditOrder(
        await auditOf(username),
        PORTAL_MAX_FAILURES,
        (r) => r.event === 'portal.answer_failed',
        (e) => e === 'portal.answer_ok',
      );
      expect(counted).toBeGreaterThan(0);
      expect(answers.filter((s) => s === 303).length).toBeLessThanOrEqual(1);
    }, 60_000);
  });
}
