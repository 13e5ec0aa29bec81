/**
 * `GET /health/live`: the process is up and serving (200). `GET /health/ready` and `GET /health`: whether every
 * dependency can be used right now, 200 when ready and 503 when not, with each check's result in the body.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readiness } from '../modules/health/readiness.js';

export async function healthRoutes(app: FastifyInstance, opts: { readiness: Readiness }): Promise<void> {
  app.get('/health/live', async () => ({ status: 'live' }));
  const ready = async (_req: unknown, reply: FastifyReply) => {
    const report = await opts.readiness.report();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'unavailable', checks: report.checks });
  };
  app.get('/health/ready', ready);
  app.get('/health', ready);
}
