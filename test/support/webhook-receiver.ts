/**
 * The shop's webhook endpoint, as a shop would write it: a plain HTTP server that verifies every delivery with the
 * `standardwebhooks` package (`Webhook.verify` over the raw body and the three headers) and records it. What it
 * answers is up to the test: a status and body, or never (to meet the sender's timeout).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A secret in Standard Webhooks' format: `whsec_` and the base64 of 32 bytes. */
export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('order-reconciler-webhook-test-32').toString('base64')}`;

/** The body of a delivery once verified. */
export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { orderId: string };
}

export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: string;
  body: string;
  headers: IncomingHttpHeaders;
  /** What `Webhook.verify` returned; null when it refused the delivery (then `verifyError` says why). */
  event: WebhookEvent | null;
  verifyError: string | null;
}

export type WebhookAnswer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface WebhookReceiver {
  /** The URL to configure as SHOP_WEBHOOK_URL. */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Decides each answer; 204 by default. */
  answer: (w: ReceivedWebhook) => WebhookAnswer;
  /** Verified deliveries about one order, of one type if given. */
  forOrder(orderId: string, type?: string): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret = TEST_WEBHOOK_SECRET): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(req.headers[name] ?? '');
      let event: WebhookEvent | null = null;
      let verifyError: string | null = null;
      try {
        event = verifier.verify(body, { 'webhook-id': header('webhook-id'), 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') }) as WebhookEvent;
      } catch (e) {
        verifyError = (e as Error).message;
      }
      const delivery: ReceivedWebhook = { path: req.url ?? '', id: header('webhook-id'), timestamp: header('webhook-timestamp'), body, headers: req.headers, event, verifyError };
      received.push(delivery);
      const answer = receiver.answer(delivery);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/order-reconciler?token=not-a-secret`,
    received,
    answer: () => ({ status: 204 }),
    forOrder: (orderId, type) => received.filter((w) => w.event?.data.orderId === orderId && (type === undefined || w.event.type === type)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
