/**
 * `GET /exports/orders.xml?readyFrom=…&readyTo=…` (back-office key): seed 003's export of the orders that became
 * ready in a window [readyFrom, readyTo), streamed as XML. Refusals are JSON with the same codes as GraphQL's.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../app/services.js';
import { ErrorCode } from '../errors/app-errors.js';
import { OrderAccess } from '../modules/access/order-access.js';
import { exportReadyOrders } from '../modules/order/order-export.js';

/** The longest window one export may span: a sane bound on one request's work. */
const MAX_WINDOW_MS = 366 * 24 * 3_600_000; // a year

function refuse(reply: FastifyReply, status: number, code: ErrorCode, message: string) {
  return reply.code(status).type('application/json; charset=utf-8').send({ errors: [{ message, extensions: { code } }] });
}

function instant(value: unknown): Date | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export async function exportRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { services } = opts;
  app.get<{ Querystring: Record<string, unknown> }>('/exports/orders.xml', async (req, reply) => {
    const access = OrderAccess.fromAuthorization(req.headers.authorization, services.config.adminApiKey);
    if (!access.isAdmin) {
      return req.headers.authorization
        ? refuse(reply, 403, ErrorCode.FORBIDDEN, 'the back-office API key is required')
        : refuse(reply, 401, ErrorCode.UNAUTHENTICATED, 'the back-office API key is required');
    }
    const from = instant(req.query.readyFrom);
    const to = instant(req.query.readyTo);
    if (!from || !to) return refuse(reply, 400, ErrorCode.BAD_USER_INPUT, 'readyFrom and readyTo must be ISO 8601 instants with a time zone, e.g. 2026-11-21T16:00:00Z');
    if (from >= to) return refuse(reply, 400, ErrorCode.BAD_USER_INPUT, 'readyFrom must be before readyTo');
    if (to.getTime() - from.getTime() > MAX_WINDOW_MS) return refuse(reply, 400, ErrorCode.BAD_USER_INPUT, 'one export spans a year at most');
    const name = `orders-ready-${from.toISOString().replace(/[:.]/g, '')}-${to.toISOString().replace(/[:.]/g, '')}.xml`;
    return reply
      .type('application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(exportReadyOrders(services.orderSearch, { from, to })));
  });
}
