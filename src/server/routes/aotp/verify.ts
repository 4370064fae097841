/** `POST /aotp/v1/verify`: code checks for the sites that log users in, behind an API key. @see docs/protocol.md §7 */
import type { FastifyInstance } from 'fastify';
import { ProtocolError } from '../../../core/protocol/errors.ts';
import { parseVerifyRequest } from '../../../core/protocol/messages.ts';
import type { AppContext } from '../../context.ts';
import { createApiKeyChecker } from '../../store/api-keys.ts';
import { verifyCode } from '../../verify.ts';

const MESSAGES = {
  locked: 'Too many wrong codes: try again later.',
  no_active_token: 'This user has no active token.',
  invalid_otp: 'The code is wrong.',
} as const;

export function verifyRoute(app: FastifyInstance, ctx: AppContext): void {
  const apiKeyOk = createApiKeyChecker(ctx);
  app.post('/verify', {
    // Before the body is even read: an unauthenticated caller learns nothing else.
    onRequest: async (req) => {
      if (!(await apiKeyOk(req.headers.authorization))) throw new ProtocolError('unauthorized', 'A valid API key is required.');
    },
    handler: async (req, reply) => {
      const { userId, otp } = parseVerifyRequest(req.body);
      const outcome = await verifyCode(ctx, userId, otp, { ip: req.ip, via: 'api' });
      if (outcome.ok) return outcome;
      // §7's bodies, with the `message` every protocol error carries (§1).
      const body = { ...outcome, message: MESSAGES[outcome.error] };
      if (outcome.error === 'locked') return reply.code(423).header('retry-after', String(outcome.retryAfter)).send(body);
      return reply.code(outcome.error === 'no_active_token' ? 403 : 401).send(body);
    },
  });
}
