/**
 * The shopper's side: `POST /` (the shop's signed payment window form), `GET /window/{id}` (the card form),
 * `POST /window/{id}/pay` and `POST /window/{id}/cancel`. Answers are HTML pages and 303 redirects, as a browser
 * expects.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseId, stringFields } from './http-helpers.js';
import { renderAlreadyPaidPage, renderErrorPage, renderWindowPage } from './payment-window.page.js';
import type { SimulatorService } from './simulator-service.js';

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

const notFound = (reply: FastifyReply) => html(reply, 404, renderErrorPage('Payment not found', ['No such payment.']));

/** Adds the payment window routes (HTML pages and redirects) to the simulator's server. */
export function registerPaymentWindowRoutes(app: FastifyInstance, service: SimulatorService): void {
  app.post('/', async (req, reply) => {
    const result = service.openWindow(stringFields(req.body));
    if (!result.ok) return html(reply, 400, renderErrorPage('Invalid payment window request', result.errors));
    // 303 so the browser follows with a GET: reloading the card form must not re-post the shop's form.
    return reply.redirect(service.windowUrl(result.payment.id), 303);
  });

  app.get<{ Params: { id: string } }>('/window/:id', async (req, reply) => {
    const id = parseId(req.params.id);
    const payment = id === undefined ? undefined : service.payment(id);
    if (!payment) return notFound(reply);
    return html(reply, 200, payment.accepted ? renderAlreadyPaidPage(payment) : renderWindowPage(payment));
  });

  app.post<{ Params: { id: string } }>('/window/:id/pay', async (req, reply) => {
    const id = parseId(req.params.id);
    if (id === undefined) return notFound(reply);
    const form = stringFields(req.body);
    const values = { card: form.card ?? '', expMonth: form.exp_month ?? '', expYear: form.exp_year ?? '' };
    const outcome = service.pay(id, { card: values.card, expMonth: values.expMonth, expYear: values.expYear, cvd: form.cvd });
    switch (outcome.kind) {
      case 'not-found':
        return notFound(reply);
      case 'already-paid':
      case 'approved':
        return reply.redirect(outcome.continueUrl, 303);
      case 'invalid':
        return html(reply, 400, renderWindowPage(service.payment(id)!, outcome.message, values));
      case 'rejected':
        // QuickPay keeps the shopper in the window after a decline, so they can try another card.
        return html(reply, 200, renderWindowPage(service.payment(id)!, outcome.message, values));
    }
  });

  app.post<{ Params: { id: string } }>('/window/:id/cancel', async (req, reply) => {
    const id = parseId(req.params.id);
    const cancelUrl = id === undefined ? undefined : service.cancelWindow(id);
    if (!cancelUrl) return notFound(reply);
    return reply.redirect(cancelUrl, 303);
  });
}
