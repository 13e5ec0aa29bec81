/**
 * The test harness's side, under `/_sim/`: inspect payments and their delivery logs, arm faults, script operations
 * without a browser, resend callbacks, reset. JSON in, JSON out. Not part of QuickPay: no auth, so never expose the
 * simulator beyond a test network.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { FaultsSchema } from './faults.js';
import { parseId } from './http-helpers.js';
import type { SimulatorService } from './simulator-service.js';

/** The body of `POST /_sim/payments/{id}/operations`. */
export const OperationInputSchema = z.strictObject({
  type: z.string().regex(/^[a-z_]{1,32}$/),
  qp_status_code: z.string().regex(/^\d{5}$/).optional(),
  qp_status_msg: z.string().max(200).optional(),
  aq_status_code: z.string().max(20).nullable().optional(),
  amount: z.number().int().nonnegative().optional(),
  pending: z.boolean().optional(),
});

const badRequest = (reply: FastifyReply, error: z.ZodError) =>
  reply.code(400).send({
    message: 'Validation error',
    issues: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
  });

const noPayment = (reply: FastifyReply, raw: string) => reply.code(404).send({ message: `No payment with id ${raw}` });

/** Adds the `/_sim/` control routes. */
export function registerControlApiRoutes(app: FastifyInstance, service: SimulatorService): void {
  app.get('/_sim/payments', async () => service.snapshots());

  app.get<{ Params: { id: string } }>('/_sim/payments/:id', async (req, reply) => {
    const id = parseId(req.params.id);
    const snapshot = id === undefined ? undefined : service.snapshot(id);
    return snapshot ?? noPayment(reply, req.params.id);
  });

  app.put('/_sim/faults', async (req, reply) => {
    const parsed = FaultsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    service.setDefaultFaults(parsed.data);
    return { defaults: parsed.data };
  });

  // Keyed by OUR order id (not the payment id) so faults can be armed before the shopper opens the window.
  app.put<{ Params: { id: string } }>('/_sim/payments/:id/faults', async (req, reply) => {
    const parsed = FaultsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    service.setFaults(req.params.id, parsed.data);
    return { orderId: req.params.id, faults: parsed.data };
  });

  app.post<{ Params: { id: string } }>('/_sim/payments/:id/operations', async (req, reply) => {
    const parsed = OperationInputSchema.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const id = parseId(req.params.id);
    const result = id === undefined ? undefined : service.appendOperation(id, parsed.data);
    return result ? reply.code(201).send(result) : noPayment(reply, req.params.id);
  });

  app.post<{ Params: { id: string } }>('/_sim/payments/:id/callbacks', async (req, reply) => {
    const id = parseId(req.params.id);
    const callback = id === undefined ? undefined : service.resendCallback(id);
    return callback ? reply.code(202).send(callback) : noPayment(reply, req.params.id);
  });

  app.post('/_sim/reset', async (_req, reply) => {
    service.reset();
    return reply.code(204).send();
  });
}
