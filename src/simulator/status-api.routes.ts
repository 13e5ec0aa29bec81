/**
 * The REST API the reconciler calls, as QuickPay's: `GET /payments/{id}`, `GET /payments?order_id=X`,
 * `POST /payments/{id}/capture|refund|cancel`, and for subscriptions `GET /subscriptions/{id}`,
 * `GET /subscriptions?order_id=X`, `GET /subscriptions/{id}/payments` (its recurring charges),
 * `POST /subscriptions/{id}/recurring` and `POST /subscriptions/{id}/cancel`. Basic auth with an empty user and the
 * API key as password, and `Accept-Version: v10`, on every call. A recurring charge, as at QuickPay, is a new
 * payment (its body is `{ amount, order_id, auto_capture? }`, the answer that payment); payments and subscriptions
 * are separate resources, each 404 under the other's path.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseId } from './http-helpers.js';
import type { CommandOutcome, SimulatorService } from './simulator-service.js';

const PAYMENT_COMMANDS = ['capture', 'refund', 'cancel'] as const;

/** The body of a command; QuickPay takes `amount` for capture / refund / recurring, `order_id` for recurring. */
type CommandBody = { amount?: unknown; order_id?: unknown; auto_capture?: unknown } | undefined;

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
  const notFound = (reply: FastifyReply, raw: string, noun = 'Payment') =>
    reply.code(404).send({ message: `Not found: No ${noun} with id ${raw}` });

  /** The HTTP answer to a command that was run (or not); a performed one waits out the `stallCommandsMs` fault. */
  const answer = async (reply: FastifyReply, outcome: CommandOutcome, raw: string, noun: string) => {
    switch (outcome.kind) {
      case 'not-found':
        return notFound(reply, raw, noun);
      case 'invalid':
        return reply.code(400).send({ message: 'Validation error', errors: { [outcome.field]: [outcome.message] }, error_code: null });
      case 'refused':
        await service.holdAnswer(outcome.stallMs);
        return reply.code(400).send({ message: outcome.message, errors: {}, error_code: null });
      case 'done':
        await service.holdAnswer(outcome.stallMs);
        return reply.code(202).send(outcome.payment);
    }
  };

  app.get<{ Querystring: { order_id?: string } }>('/payments', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    return service.payments(req.query.order_id);
  });

  app.get<{ Params: { id: string } }>('/payments/:id', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    const id = parseId(req.params.id);
    const payment = id === undefined ? undefined : service.payment(id);
    return payment?.type === 'Payment' ? payment : notFound(reply, req.params.id);
  });

  app.post<{ Params: { id: string; command: string }; Body: CommandBody }>('/payments/:id/:command', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    const command = req.params.command as (typeof PAYMENT_COMMANDS)[number];
    if (!PAYMENT_COMMANDS.includes(command)) return reply.code(404).send({ message: `Unknown operation ${req.params.command}` });
    const id = parseId(req.params.id);
    if (id === undefined || service.payment(id)?.type !== 'Payment') return notFound(reply, req.params.id);
    // `?synchronized` is accepted and changes nothing: every simulated operation completes at once.
    return answer(reply, service.command(id, command, req.body?.amount), req.params.id, 'Payment');
  });

  app.get<{ Params: { id: string } }>('/subscriptions/:id', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    const id = parseId(req.params.id);
    const subscription = id === undefined ? undefined : service.subscription(id);
    return subscription ?? notFound(reply, req.params.id, 'Subscription');
  });

  app.get<{ Querystring: { order_id?: string } }>('/subscriptions', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    return service.subscriptions(req.query.order_id);
  });

  // Paged as QuickPay pages its lists: `page` from 1, `page_size` (default 20, at most 100).
  app.get<{ Params: { id: string }; Querystring: { page?: string; page_size?: string } }>('/subscriptions/:id/payments', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    const id = parseId(req.params.id);
    const charges = id === undefined ? undefined : service.charges(id);
    if (!charges) return notFound(reply, req.params.id, 'Subscription');
    const page = Math.max(1, Number.parseInt(req.query.page ?? '1', 10) || 1);
    const size = Math.min(100, Math.max(1, Number.parseInt(req.query.page_size ?? '20', 10) || 20));
    return charges.slice((page - 1) * size, page * size);
  });

  app.post<{ Params: { id: string }; Body: CommandBody }>('/subscriptions/:id/recurring', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    const id = parseId(req.params.id);
    if (id === undefined) return notFound(reply, req.params.id, 'Subscription');
    const outcome = service.recurring(id, { amount: req.body?.amount, orderId: req.body?.order_id, autoCapture: req.body?.auto_capture });
    return answer(reply, outcome, req.params.id, 'Subscription');
  });

  app.post<{ Params: { id: string } }>('/subscriptions/:id/cancel', async (req, reply) => {
    if (!allowed(req, reply)) return reply;
    const id = parseId(req.params.id);
    if (id === undefined || !service.subscription(id)) return notFound(reply, req.params.id, 'Subscription');
    return answer(reply, service.command(id, 'cancel', undefined), req.params.id, 'Subscription');
  });
}
