/**
 * A server process for multi-process tests: `main.ts` with the clock pinned
 * by `JETON_TEST_NOW` (ms) so tests never depend on the real one. Prints
 * `{"ready":true}` on stdout once listening.
 */
import { buildApp } from '../../server/app.ts';
import { createContext } from '../../server/bootstrap.ts';
import { loadConfigOrExit } from '../../server/config.ts';

const config = loadConfigOrExit();
const ctx = await createContext(config, () => {});
const pinned = process.env.JETON_TEST_NOW;
if (pinned) {
  const t = Number(pinned);
  ctx.now = () => t;
}
const app = await buildApp(ctx, { logger: false });
await app.listen({ port: config.port, host: config.host });
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
