/**
 * Starts the Stripe simulator: the REST API subset the adapter uses, a hosted Checkout page, and signed webhooks with
 * retries and faults, on one HTTP port. Used in-process by tests. It plays Stripe's account, so it is told where the
 * webhook endpoint is (Stripe's dashboard setting) rather than reading it from each payment.
 */
import Fastify from 'fastify';
import { registerStripeApiRoutes } from './stripe-api.routes.js';
import { registerCheckoutPageRoutes } from './stripe-checkout-page.routes.js';
import { StripeSimState, type SimEvent, type SimPaymentIntent, type SimSession } from './stripe-sim-state.js';
import { StripeWebhookSender, type StripeFaults, type WebhookDelivery } from './stripe-webhook-sender.js';

export type { SimEvent, SimPaymentIntent, SimSession } from './stripe-sim-state.js';
export type { StripeFaults, WebhookDelivery } from './stripe-webhook-sender.js';

export interface StripeSimulatorOptions {
  /** The secret API key it accepts (`Authorization: Bearer ...`). */
  apiKey: string;
  /** The webhook endpoint's signing secret. */
  webhookSecret: string;
  /** Where webhooks go; can be set later (setWebhookUrl). */
  webhookUrl?: string;
  /** Time between attempts of an undelivered event; Stripe's back-off is hours, shrunk. Default 1000 ms. */
  retryIntervalMs?: number;
  /** Attempts per event copy. Default 5. */
  maxAttempts?: number;
  /** Per-attempt limit. Default 5000 ms. */
  webhookTimeoutMs?: number;
  port?: number;
  host?: string;
}

export interface StripeSimulator {
  /** Base URL of the API (`${url}/v1/...`) and of the hosted pages (`${url}/c/pay/...`). */
  readonly url: string;
  close(): Promise<void>;
  setWebhookUrl(url: string): void;
  /** Faults for the events of one payment (our reference, from the metadata), from now on. */
  setFaults(reference: string, faults: StripeFaults): void;
  /** The Checkout Session and PaymentIntent made for one of our references. */
  byReference(reference: string): { session: SimSession; intent: SimPaymentIntent | null } | undefined;
  /** Every event so far (the ones dropped too), or one payment's. */
  events(reference?: string): SimEvent[];
  /** Sends an event again, as Stripe's "Resend" does: same id, same body, a fresh signature. */
  resend(eventId: string): void;
  /** Sends the events the reorder fault still holds. */
  flushHeld(): void;
  deliveries(reference?: string): WebhookDelivery[];
  waitForDeliveries(predicate: (d: WebhookDelivery) => boolean, n: number, timeoutMs?: number): Promise<WebhookDelivery[]>;
}

export async function startStripeSimulator(options: StripeSimulatorOptions): Promise<StripeSimulator> {
  const host = options.host ?? '127.0.0.1';
  let url = '';
  let webhookUrl = options.webhookUrl ?? null;
  const faults = new Map<string, StripeFaults>();
  const state = new StripeSimState(() => url);
  const sender = new StripeWebhookSender({
    secret: options.webhookSecret,
    endpoint: () => webhookUrl,
    retryIntervalMs: options.retryIntervalMs ?? 1000,
    maxAttempts: options.maxAttempts ?? 5,
    timeoutMs: options.webhookTimeoutMs ?? 5000,
    faultsFor: (reference) => (reference ? (faults.get(reference) ?? {}) : {}),
  });
  const referenceOf = (event: SimEvent) => state.referenceOf(event.data.object as { metadata?: Record<string, string>; payment_intent?: string | null });
  const emit = (events: SimEvent[]) => events.forEach((e) => sender.send(e, referenceOf(e)));

  const app = Fastify({ logger: false, forceCloseConnections: true });
  registerStripeApiRoutes(app, { state, apiKey: options.apiKey, emit });
  registerCheckoutPageRoutes(app, state, emit);
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  url = `http://${host}:${typeof address === 'object' && address ? address.port : options.port}`;

  const byReference = (reference: string) => {
    const session = [...state.sessions.values()].find((s) => s.metadata.reference === reference);
    if (!session) return undefined;
    return { session: structuredClone(session), intent: session.payment_intent ? structuredClone(state.intents.get(session.payment_intent)!) : null };
  };
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => (closing ??= (async () => {
      sender.close();
      await app.close();
    })()),
    setWebhookUrl: (u) => void (webhookUrl = u),
    setFaults: (reference, f) => void faults.set(reference, f),
    byReference,
    events: (reference) => state.events.filter((e) => reference === undefined || referenceOf(e) === reference).map((e) => structuredClone(e)),
    resend: (eventId) => {
      const event = state.events.find((e) => e.id === eventId);
      if (!event) throw new Error(`no event ${eventId}`);
      sender.resend(event, referenceOf(event));
    },
    flushHeld: () => sender.flushHeld(),
    deliveries: (reference) => sender.deliveries(reference),
    waitForDeliveries: (predicate, n, timeoutMs) => sender.waitFor(predicate, n, timeoutMs),
  };
}
