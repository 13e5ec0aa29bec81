/**
 * Stripe behind the gateway interface: a Checkout Session created at checkout (its hosted page is where the
 * shopper pays), webhooks verified by Stripe-Signature and deduplicated by event id, each confirmed by fetching the
 * PaymentIntent (Stripe sends events out of order and more than once: the PaymentIntent as it is now is what gets
 * applied), and capture / refund / cancel through the REST API, each with our idempotency key, which Stripe honours.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  DrawMethod,
  GatewayApiError,
  GatewayName,
  MalformedNotificationError,
  NotificationOutcome,
  type CreatedPayment,
  type GatewayAnswer,
  type GatewayPayment,
  type NotificationContext,
  type OperationRequest,
  type PaymentGateway,
  type PaymentRedirect,
  type PaymentRequestInput,
  type PaymentStateEvent,
  type ReturnVerification,
} from '../gateway.js';
import { PaymentStatus } from '../../modules/payment/payment.machine.js';
import { PAYMENT_INTENT_EXPAND, StripeApi } from './stripe.api.js';
import type { StripeConfig } from './stripe.config.js';
import { eventSubject, StripeEventSchema } from './stripe.event.js';
import { StripePaymentIntentSchema, toPaymentStateEvent } from './stripe.payment-intent.js';
import { SIGNATURE_HEADER, verifySignature } from './stripe.signing.js';

/** HTTP status and body for each outcome: any 2xx stops Stripe's resends (up to 3 days), 5xx only when one could help. */
const ANSWERS: Record<NotificationOutcome, [number, string]> = {
  [NotificationOutcome.ACCEPTED]: [200, 'accepted'],
  [NotificationOutcome.DUPLICATE]: [200, 'duplicate'],
  [NotificationOutcome.IGNORED]: [200, 'ignored'],
  // Answered as received: a resend would fail the same way for three days.
  [NotificationOutcome.FAILED]: [200, 'recorded; it cannot be applied and the shop is told'],
  [NotificationOutcome.REJECTED_SIGNATURE]: [400, 'invalid Stripe-Signature'],
  [NotificationOutcome.REJECTED_MALFORMED]: [400, 'not a Stripe event'],
  [NotificationOutcome.REJECTED_CONTENT_TYPE]: [415, 'expected application/json'],
  [NotificationOutcome.REJECTED_TOO_LARGE]: [413, 'body too large'],
  [NotificationOutcome.REJECTED_SOURCE]: [403, 'source address not allowed'],
  [NotificationOutcome.REJECTED_RATE_LIMITED]: [429, 'too many rejected messages from this address'],
  [NotificationOutcome.RETRY_LATER]: [503, 'retry later'],
};

/** The locales Stripe Checkout speaks; another language lets Stripe pick from the shopper's browser (`auto`). */
const CHECKOUT_LOCALES: ReadonlySet<string> = new Set(
  'bg cs da de el en es et fi fr hr hu id it ja ko lt lv ms mt nb nl pl pt ro ru sk sl sv th tr vi zh'.split(' '),
);

const CheckoutSessionSchema = z.looseObject({
  id: z.string().regex(/^cs_[A-Za-z0-9_]{1,200}$/),
  object: z.literal('checkout.session'),
  url: z.string().url().nullable().optional(),
  status: z.string().nullable().optional(),
  payment_intent: z.union([z.string(), z.looseObject({ id: z.string() })]).nullable().optional(),
});
type CheckoutSession = z.infer<typeof CheckoutSessionSchema>;

/** A Stripe id is letters, digits and underscores: anything else is not put in a URL path. */
const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;

export class StripeGateway implements PaymentGateway {
  readonly name = GatewayName.STRIPE;
  readonly notificationContentTypes = ['application/json'] as const;
  readonly allowedSources: readonly string[];
  /** An event says something happened, in any order and any number of times: the PaymentIntent is asked. */
  readonly notificationsNeedConfirmation = true;
  private readonly api: StripeApi;

  constructor(
    private readonly config: StripeConfig,
    fetchImpl: typeof fetch = fetch,
  ) {
    this.allowedSources = config.allowedSources;
    this.api = new StripeApi(config, fetchImpl);
  }

  /** Ours, in Stripe's metadata (up to 500 characters): 'S' + 24 hex digits, short enough for every column. */
  newPaymentReference(): string {
    return `S${randomBytes(12).toString('hex')}`;
  }

  /**
   * Creates a Checkout Session for the payment, authorise-only (`capture_method=manual`: the shop captures from its
   * back office), with our reference in the session's and the PaymentIntent's metadata (how every event finds its
   * payment). Stripe makes the PaymentIntent once the shopper pays, so there is no PaymentIntent id yet: the
   * session's id and hosted-page URL are kept. The seam's idempotency key makes a repeated checkout get the same
   * session back. Throws GatewayApiError when Stripe refuses or cannot be reached.
   */
  async createPayment(input: PaymentRequestInput): Promise<CreatedPayment> {
    // Stripe Checkout would need its own subscription mode and prices; not supported yet, refused before any call.
    if (input.terms.drawMethod === DrawMethod.SUBSCRIPTION) throw new GatewayApiError('Stripe: subscription payment methods are not supported', 400);
    const reference = input.payment.reference;
    const methods = input.terms.lockedTo?.split(/[\s,]+/).filter(Boolean);
    const answer = await this.api.post(
      '/v1/checkout/sessions',
      {
        mode: 'payment',
        client_reference_id: reference,
        success_url: input.continueUrl,
        cancel_url: input.cancelUrl,
        locale: CHECKOUT_LOCALES.has(input.language) ? input.language : 'auto',
        line_items: [
          {
            quantity: 1,
            price_data: { currency: input.currency.toLowerCase(), unit_amount: input.amount, product_data: { name: input.description ?? `Payment ${reference}` } },
          },
        ],
        payment_method_types: methods?.length ? methods : undefined,
        metadata: { reference },
        payment_intent_data: { capture_method: 'manual', metadata: { reference } },
      },
      input.idempotencyKey,
    );
    const session = this.session(answer);
    if (!session.url) throw new GatewayApiError(`Stripe created Checkout Session ${session.id} without a URL to send the shopper to`);
    const pi = paymentIntentIdOf(session);
    return { gatewayPaymentId: pi, gatewayData: { sessionId: session.id, url: session.url } };
  }

  /** The shopper follows the Checkout Session's hosted page; nothing to sign or post. */
  buildPaymentRequest(input: PaymentRequestInput): PaymentRedirect {
    const url = input.payment.gatewayData.url;
    if (!url) throw new GatewayApiError(`Stripe payment ${input.payment.reference} has no Checkout Session URL (it was not created at Stripe)`);
    return { method: 'GET', url, fields: {} };
  }

  /** Stripe-Signature over the raw body, within the tolerance of our clock (a replay of an old event is refused). */
  async verifyNotification(rawBody: Buffer, headers: Record<string, string>, context?: NotificationContext): Promise<string | undefined> {
    return verifySignature(rawBody, headers[SIGNATURE_HEADER], this.config.webhookSecret, context?.now ?? new Date(), this.config.toleranceSeconds);
  }

  /**
   * Which payment the event concerns, as a claim to confirm (notificationsNeedConfirmation): nothing of what it says
   * is applied. Null (recorded as IGNORED) for events about anything but a payment of ours.
   */
  parseNotification(rawBody: Buffer): PaymentStateEvent | null {
    const parsed = StripeEventSchema.safeParse(parseJson(rawBody));
    if (!parsed.success) {
      throw new MalformedNotificationError(`not a Stripe event: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`);
    }
    const event = parsed.data;
    const subject = eventSubject(event);
    if (!subject) return null;
    return {
      reference: subject.reference,
      gatewayPaymentId: subject.paymentIntentId,
      status: PaymentStatus.PENDING,
      sequence: 0,
      currency: '',
      amountAuthorized: 0,
      amountCaptured: 0,
      amountRefunded: 0,
      fee: 0,
      testMode: !event.livemode,
      detail: `Stripe event ${event.id} ${event.type}`,
    };
  }

  /** The event's id: Stripe resends an event with the same id (and may re-sign it, so its bytes differ). */
  messageId(rawBody: Buffer): string | null {
    try {
      const id = (JSON.parse(rawBody.toString('utf8')) as { id?: unknown }).id;
      return typeof id === 'string' && id ? id : null;
    } catch {
      return null;
    }
  }

  peekReference(rawBody: Buffer): string | null {
    try {
      const ref = (JSON.parse(rawBody.toString('utf8')) as { data?: { object?: { metadata?: { reference?: unknown } } } }).data?.object?.metadata?.reference;
      return typeof ref === 'string' ? ref.slice(0, 64) : null;
    } catch {
      return null;
    }
  }

  /** Stripe adds nothing signed to the success URL: the shopper's return is a hint only. */
  async verifyReturn(): Promise<ReturnVerification> {
    return { kind: 'unsigned' };
  }

  answer(outcome: NotificationOutcome): GatewayAnswer {
    const [status, message] = ANSWERS[outcome];
    return { status, contentType: 'application/json', body: JSON.stringify({ status: outcome, message }) };
  }

  /**
   * The PaymentIntent as it is now: by its id, or, before we learnt it, through the Checkout Session kept at
   * creation. A session without a PaymentIntent (the shopper has not paid, or never will: it expired) is not known
   * yet (null); so is a payment never created at Stripe (no session kept: nothing there to find, so no search by
   * metadata either). The reconciler's schedule ends such a payment as EXPIRED.
   */
  async fetchPaymentStatus(payment: GatewayPayment): Promise<PaymentStateEvent | null> {
    let piId = payment.gatewayPaymentId?.startsWith('pi_') ? payment.gatewayPaymentId : null;
    if (!piId) {
      const sessionId = payment.gatewayData.sessionId;
      if (!sessionId || !STRIPE_ID.test(sessionId)) return null;
      const found = await this.api.get(`/v1/checkout/sessions/${sessionId}`);
      if (found === null) return null;
      const session = this.session(found);
      piId = paymentIntentIdOf(session);
      // Not paid (yet): nothing to apply. One that expired unpaid is ended by the reconciler's own schedule.
      if (!piId) return null;
    }
    const found = await this.api.get(`/v1/payment_intents/${piId}`, PAYMENT_INTENT_EXPAND);
    return found === null ? null : this.toEvent(found);
  }

  /** Captures `amount` of the authorisation; Stripe releases the rest (one capture per PaymentIntent). */
  async capture(payment: GatewayPayment, amount: number, request: OperationRequest): Promise<PaymentStateEvent> {
    const pi = this.paymentIntentId(payment, 'capture');
    const answer = await this.api.post(`/v1/payment_intents/${pi}/capture`, { amount_to_capture: amount, expand: [...PAYMENT_INTENT_EXPAND] }, request.idempotencyKey);
    return this.toEvent(answer);
  }

  /**
   * Refunds `amount` of the captured money. The answer is a Refund; the PaymentIntent is fetched after it, so the
   * answer lists the refund among the payment's operations. If that fetch fails, whether the refund was made is
   * unknown to the caller (it was): the ledger keeps it open until an event or the reconciler says.
   */
  async refund(payment: GatewayPayment, amount: number, request: OperationRequest): Promise<PaymentStateEvent> {
    const pi = this.paymentIntentId(payment, 'refund');
    // Our reference on the refund too, so refund.* events name the payment they concern.
    await this.api.post('/v1/refunds', { payment_intent: pi, amount, metadata: { reference: payment.reference } }, request.idempotencyKey);
    const found = await this.api.get(`/v1/payment_intents/${pi}`, PAYMENT_INTENT_EXPAND).catch((e: unknown) => {
      throw new GatewayApiError(`the refund was sent, but reading PaymentIntent ${pi} after it failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (found === null) throw new GatewayApiError(`the refund was sent, but Stripe no longer knows PaymentIntent ${pi}`);
    return this.toEvent(found);
  }

  /** Voids the authorisation (`requires_capture` -> `canceled`). */
  async cancel(payment: GatewayPayment, request: OperationRequest): Promise<PaymentStateEvent> {
    const pi = this.paymentIntentId(payment, 'cancel');
    const answer = await this.api.post(`/v1/payment_intents/${pi}/cancel`, { expand: [...PAYMENT_INTENT_EXPAND] }, request.idempotencyKey);
    return this.toEvent(answer);
  }

  /** The PaymentIntent to act on. Without one nothing is sent: refused (a 4xx), since Stripe was never asked. */
  private paymentIntentId(payment: GatewayPayment, op: string): string {
    const id = payment.gatewayPaymentId;
    if (!id?.startsWith('pi_') || !STRIPE_ID.test(id)) throw new GatewayApiError(`Stripe cannot ${op} payment ${payment.reference}: no PaymentIntent is known for it yet`, 409);
    return id;
  }

  private session(json: unknown): CheckoutSession {
    const parsed = CheckoutSessionSchema.safeParse(json);
    if (!parsed.success) throw new GatewayApiError(`Stripe answered with something that is not a Checkout Session: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    return parsed.data;
  }

  private toEvent(json: unknown): PaymentStateEvent {
    const parsed = StripePaymentIntentSchema.safeParse(json);
    if (!parsed.success) throw new GatewayApiError(`Stripe answered with something that is not a PaymentIntent: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const event = toPaymentStateEvent(parsed.data);
    if (!event) throw new GatewayApiError(`Stripe PaymentIntent ${parsed.data.id} carries no reference of ours in its metadata`);
    return event;
  }
}

function paymentIntentIdOf(session: CheckoutSession): string | null {
  const pi = session.payment_intent;
  const id = typeof pi === 'string' ? pi : (pi?.id ?? null);
  return id && id.startsWith('pi_') && STRIPE_ID.test(id) ? id : null;
}

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch (e) {
    throw new MalformedNotificationError(`body is not JSON: ${(e as Error).message}`);
  }
}
