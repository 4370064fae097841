import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';

export const loginRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async () => {};
