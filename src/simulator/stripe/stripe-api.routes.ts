/**
 * The subset of Stripe's REST API the adapter uses: Checkout Sessions (create, retrieve), PaymentIntents (retrieve,
 * capture, cancel) and Refunds (create), with Bearer authentication, form bodies in bracket notation, `expand[]`,
 * and Idempotency-Key honoured as Stripe does: a repeat of a key gets the first answer replayed (and does nothing
 * again); the same key with other parameters is refused.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeForm } from '../../gateways/stripe/stripe.form.js';
import { SimRequestError, type SimEvent, type StripeSimState } from './stripe-sim-state.js';

export interface ApiRouteDeps {
  state: StripeSimState;
  apiKey: string;
  /** Sends the events a request caused (after its answer is decided). */
  emit(events: SimEvent[]): void;
}

type Form = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const int = (v: unknown, field: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) throw new SimRequestError(400, 'parameter_invalid_integer', `Invalid integer: ${field}`);
  return Number(v);
};
const record = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(typeof v === 'object' && v ? v : {}).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
const expandOf = (v: unknown): string[] => (Array.isArray(v) ? v : typeof v === 'object' && v ? Object.values(v) : []).filter((x): x is string => typeof x === 'string');

export function registerStripeApiRoutes(app: FastifyInstance, deps: ApiRouteDeps): void {
  const { state } = deps;
  const replays = new Map<string, { fingerprint: string; status: number; body: unknown }>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, decodeForm(body as string)));

  /** Authenticates, replays or runs `handler`, and answers Stripe's way: JSON, errors as `{ error: {...} }`. */
  const route = (handler: (req: FastifyRequest, form: Form) => { body: unknown; events?: SimEvent[] }) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.headers.authorization !== `Bearer ${deps.apiKey}`) {
      return reply.code(401).send({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
    }
    const form = (req.body ?? {}) as Form;
    const key = req.method === 'POST' ? str(req.headers['idempotency-key']) : undefined;
    const fingerprint = createHash('sha256').update(`${req.method} ${req.url} ${JSON.stringify(form)}`).digest('hex');
    if (key) {
      const earlier = replays.get(key);
      if (earlier && earlier.fingerprint !== fingerprint) {
        return reply.code(400).send({ error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with.` } });
      }
      if (earlier) return reply.code(earlier.status).header('Idempotent-Replayed', 'true').send(earlier.body);
    }
    let status = 200;
    let body: unknown;
    let events: SimEvent[] = [];
    try {
      ({ body, events = [] } = handler(req, form));
    } catch (e) {
      if (!(e instanceof SimRequestError)) throw e;
      status = e.status;
      body = { error: { type: e.type, code: e.code, message: e.message } };
    }
    // Stripe saves the answer of a request that was processed, refused ones included (not a 5xx).
    if (key) replays.set(key, { fingerprint, status, body });
    deps.emit(events);
    return reply.code(status).send(body);
  };

  app.post(
    '/v1/checkout/sessions',
    route((_req, f) => {
      const line = ((f.line_items as Form | undefined)?.['0'] ?? {}) as Form;
      const price = (line.price_data ?? {}) as Form;
      const intentData = (f.payment_intent_data ?? {}) as Form;
      const amount = int(price.unit_amount, 'line_items[0][price_data][unit_amount]');
      const currency = str(price.currency);
      if (str(f.mode) !== 'payment') throw new SimRequestError(400, 'parameter_invalid', 'the simulator supports mode=payment only');
      if (!amount || !currency || !/^[a-z]{3}$/.test(currency)) throw new SimRequestError(400, 'parameter_missing', 'line_items[0][price_data] needs unit_amount and a lowercase currency');
      const successUrl = str(f.success_url);
      if (!successUrl) throw new SimRequestError(400, 'parameter_missing', 'Missing required param: success_url.');
      const session = state.createSession({
        mode: 'payment',
        amount_total: amount * (int(line.quantity, 'line_items[0][quantity]') ?? 1),
        currency,
        success_url: successUrl,
        cancel_url: str(f.cancel_url) ?? successUrl,
        client_reference_id: str(f.client_reference_id) ?? null,
        metadata: record(f.metadata),
        intentData: { captureMethod: str(intentData.capture_method) ?? 'automatic', metadata: record(intentData.metadata) },
      });
      return { body: state.publicSession(session) };
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/checkout/sessions/:id',
    route((req) => {
      const session = state.sessions.get((req.params as { id: string }).id);
      if (!session) throw new SimRequestError(404, 'resource_missing', 'No such checkout.session');
      return { body: state.publicSession(session) };
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/payment_intents/:id',
    route((req) => {
      const expand = new URL(req.url, 'http://sim').searchParams;
      const asked = [...expand.entries()].filter(([k]) => /^expand\[\d*\]$/.test(k)).map(([, v]) => v);
      return { body: state.showIntent((req.params as { id: string }).id, asked) };
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/payment_intents/:id/capture',
    route((req, f) => {
      const id = (req.params as { id: string }).id;
      const events = state.capture(id, int(f.amount_to_capture, 'amount_to_capture'));
      return { body: state.showIntent(id, expandOf(f.expand)), events };
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/payment_intents/:id/cancel',
    route((req, f) => {
      const id = (req.params as { id: string }).id;
      const events = state.cancel(id);
      return { body: state.showIntent(id, expandOf(f.expand)), events };
    }),
  );

  app.post(
    '/v1/refunds',
    route((_req, f) => {
      const pi = str(f.payment_intent);
      if (!pi) throw new SimRequestError(400, 'parameter_missing', 'Missing required param: payment_intent.');
      const { refund, events } = state.refund(pi, int(f.amount, 'amount'), record(f.metadata));
      return { body: refund, events };
    }),
  );
}
