/** Builds the Fastify app: registers plugins and route areas, nothing else. */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppContext } from './context.ts';
import { registerCors } from './cors.ts';
import { aotpRoutes } from './routes/aotp/index.ts';
import { loginRoutes } from './routes/login/index.ts';
import { portalRoutes } from './routes/portal/index.ts';

export async function buildApp(ctx: AppContext, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 16 * 1024, trustProxy: true, ...options });
  registerCors(app);
  await app.register(aotpRoutes, { prefix: '/aotp/v1', ctx });
  await app.register(portalRoutes, { prefix: '/virtuel', ctx });
  await app.register(loginRoutes, { prefix: '/login', ctx });
  return app;
}
