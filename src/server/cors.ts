/**
 * CORS for the endpoints the browser extension calls (§3–§6). They carry no
 * cookie and authenticate by proofs and MACs, so any origin may call them; the
 * extension then needs no host permission for the provisioning server.
 * `/verify` (§7) is for servers and gets no CORS.
 */
import type { FastifyInstance } from 'fastify';

const CLIENT_PATHS = new Set(['/aotp/v1/provision', '/aotp/v1/confirm', '/aotp/v1/status', '/aotp/v1/renew']);

export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!CLIENT_PATHS.has(path)) return;
    reply.header('access-control-allow-origin', '*');
    if (request.method === 'OPTIONS') {
      reply
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    }
  });
}
