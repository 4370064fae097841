/** The protocol's endpoints under `/aotp/v1`. @see docs/protocol.md §3–§7 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';
import { confirmRoute } from './confirm.ts';
import { allowAnyOrigin, protocolHttp } from './http.ts';
import { provisionRoute } from './provision.ts';
import { renewRoute } from './renew.ts';
import { statusRoute } from './status.ts';
import { verifyRoute } from './verify.ts';

export const aotpRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  protocolHttp(app);
  allowAnyOrigin(app, ['/provision', '/confirm', '/status', '/renew']);
  provisionRoute(app, ctx);
  confirmRoute(app, ctx);
  statusRoute(app, ctx);
  renewRoute(app, ctx);
  verifyRoute(app, ctx);
};
