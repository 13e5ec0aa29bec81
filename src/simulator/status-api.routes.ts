/**
 * The REST API the reconciler calls, as QuickPay's: `GET /payments/{id}`, `GET /payments?order_id=X`, and
 * `POST /payments/{id}/capture|refund|cancel`. Basic auth with an empty user and the API key as password, and
 * `Accept-Version: v10`, on every call.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseId } from './http-helpers.js';
import type { SimulatorService } from './simulator-service.js';

const COMMANDS = ['capture', 'refund', 'cancel'] as const;
type Command = (typeof COMMANDS)[number];

/** True when the Basic credentials' password is the API key (QuickPay ignores the user name). */
export function hasValidApiKey(authorization: string | undefined, apiKey: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const given = Buffer.from(decoded.slice(colon + 1));
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Adds the QuickPay REST API routes, all behind the API key check. */
export function registerStatusApiRoutes(app: FastifyInstance, service: SimulatorService, apiKey: string): void {
  /** Answers 401 / 400 and returns false when the call is not allowed. */
  const allowed = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!hasValidApiKey(req.headers.authorization, apiKey)) {
      reply.code(401).header('www-authenticate', 'Basic realm="QuickPay API"').send({ message: 'Invalid API key' });
      return false;
    }
    if (req.headers['accept-version'] !== 'v10') {
      reply.code(400).send({ message: 'Accept-Version header must be v10' });
      return false;
    }
    return true;
  };
  const notFound = (reply: FastifyReply, raw: string) =>
    reply.code(404).send({ message: `Not found: No Payment with id ${raw}` });

  app.get<{ Querystring: { order_id?: string } }>('/payments', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    return service.payments(req.query.order_id);
  });

  app.get<{ Params: { id: string } }>('/payments/:id', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    const id = parseId(req.params.id);
    const payment = id === undefined ? undefined : service.payment(id);
    return payment ?? notFound(reply, req.params.id);
  });

  app.post<{ Params: { id: string; command: string }; Body: { amount?: unknown } | undefined }>(
    '/payments/:id/:command',
    async (req, reply) => {
      if (!allowed(req, reply)) return reply;
      const command = req.params.command as Command;
      if (!COMMANDS.includes(command)) return reply.code(404).send({ message: `Unknown operation ${req.params.command}` });
      const id = parseId(req.params.id);
      if (id === undefined) return notFound(reply, req.params.id);
      // `?synchronized` is accepted and changes nothing: every simulated operation completes at once.
      const outcome = service.command(id, command, req.body?.amount);
      switch (outcome.kind) {
        case 'not-found':
          return notFound(reply, req.params.id);
        case 'invalid':
          return reply.code(400).send({ message: 'Validation error', errors: { amount: [outcome.message] }, error_code: null });
        case 'refused':
          return reply.code(400).send({ message: outcome.message, errors: {}, error_code: null });
        case 'done':
          return reply.code(202).send(outcome.payment);
      }
    },
  );
}
