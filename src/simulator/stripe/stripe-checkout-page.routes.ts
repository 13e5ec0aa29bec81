/**
 * Stripe Checkout's hosted page, reduced to what a shopper (or a test) does on it: pay (authorised), pay with a
 * card that is declined (the page stays open for another try, as Stripe's does), or go back to the shop. Paying
 * answers 303 to the session's success URL; going back, 303 to its cancel URL. Stripe adds nothing signed to them.
 */
import type { FastifyInstance } from 'fastify';
import { SimRequestError, type SimEvent, type StripeSimState } from './stripe-sim-state.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function registerCheckoutPageRoutes(app: FastifyInstance, state: StripeSimState, emit: (events: SimEvent[]) => void): void {
  app.get<{ Params: { id: string } }>('/c/pay/:id', async (req, reply) => {
    const session = state.sessions.get(req.params.id);
    if (!session) return reply.code(404).type('text/html').send('<h1>Something went wrong</h1>');
    const id = escape(session.id);
    const amount = `${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
    const declined = session.payment_intent && state.intents.get(session.payment_intent)?.last_payment_error ? '<p role="alert">Your card was declined.</p>' : '';
    const body =
      session.status !== 'open'
        ? `<p>This Checkout Session is ${escape(session.status)}.</p>`
        : `${declined}<form method="post" action="/c/pay/${id}"><button name="outcome" value="authorise">Pay ${escape(amount)}</button>` +
          `<button name="outcome" value="decline">Pay with a declined card</button></form>` +
          `<form method="post" action="/c/pay/${id}/back"><button>Back to the shop</button></form>`;
    return reply.type('text/html').send(`<!doctype html><title>Stripe Checkout (simulator)</title><h1>Pay ${escape(amount)}</h1>${body}`);
  });

  app.post<{ Params: { id: string }; Body: Record<string, string> }>('/c/pay/:id', async (req, reply) => {
    const outcome = req.body?.outcome === 'decline' ? 'decline' : 'authorise';
    try {
      emit(state.pay(req.params.id, outcome));
    } catch (e) {
      if (e instanceof SimRequestError) return reply.code(e.status).type('text/html').send(`<p>${escape(e.message)}</p>`);
      throw e;
    }
    const session = state.sessions.get(req.params.id)!;
    // Declined: back to the page, where the shopper may try another card.
    return reply.code(303).header('location', outcome === 'decline' ? `/c/pay/${session.id}` : session.success_url).send();
  });

  app.post<{ Params: { id: string } }>('/c/pay/:id/back', async (req, reply) => {
    const session = state.sessions.get(req.params.id);
    if (!session) return reply.code(404).send();
    return reply.code(303).header('location', session.cancel_url).send();
  });
}
