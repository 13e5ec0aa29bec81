/**
 * `GET /return`: where shoppers land after the payment window when no storefront page is configured
 * (STOREFRONT_RETURN_URL unset), so a service started with `npm start` alone never sends a shopper to a 404. It says
 * what happened and that the shop's own confirmation page belongs here; it reports nothing (only the storefront
 * holds the order's access token) and echoes nothing the shopper's browser sent but a checked order id and outcome.
 */
import type { FastifyInstance } from 'fastify';

const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OUTCOMES: Record<string, string> = {
  success: 'The payment window says the payment went through. The order becomes ready once the gateway confirms it.',
  cancel: 'The payment was cancelled in the payment window.',
};

export async function returnPageRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { order?: string; outcome?: string } }>('/return', async (req, reply) => {
    const order = ORDER_ID.test(req.query.order ?? '') ? req.query.order! : null;
    const outcome = OUTCOMES[req.query.outcome ?? ''] ?? 'The shopper came back from the payment window.';
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back from the payment window</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Back from the payment window</h1>
<p>${outcome}</p>
${order ? `<p>Order <code>${order}</code></p>` : ''}
<p><small>This is Order Reconciler's placeholder return page. Point <code>STOREFRONT_RETURN_URL</code> (or checkout's
<code>returnUrl</code>) at your storefront's confirmation page: it reports the outcome with
<code>reportRedirectOutcome</code> and shows the payment status live.</small></p>
</body></html>`;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
}
