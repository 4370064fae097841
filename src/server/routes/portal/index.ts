import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';

export const portalRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async () => {};
