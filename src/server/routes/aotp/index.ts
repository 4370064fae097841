import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';

export const aotpRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async () => {};
