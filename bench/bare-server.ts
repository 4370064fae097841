/**
 * The reference for `npm run bench`: a bare Fastify JSON route that reads the
 * same body as `/aotp/v1/verify` and answers a body of the same shape, with
 * no database, crypto or logging. PORT from the environment.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
app.post('/aotp/v1/verify', async (req) => {
  const body = req.body as { userId?: unknown };
  return { ok: true, tokenId: String(body.userId), expiresAt: '2027-11-28T23:00:00Z' };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('{"ready":true}\n');
process.once('SIGINT', () => void app.close());
