/**
 * QuickPay v10 behind the gateway interface: the payment window form, callback verification and parsing, the
 * answer QuickPay expects (any 2xx stops its hourly resends), and the REST API for status and payment commands.
 */
import { randomBytes } from 'node:crypto';
import {
  DrawMethod,
  GatewayApiError,
  GatewayName,
  MalformedNotificationError,
  NotificationOutcome,
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
import { callGateway } from '../gateway-http.js';
import type { QuickPayConfig } from './quickpay.config.js';
import { QuickPayPaymentSchema, toPaymentStateEvent, type QuickPayPayment } from './quickpay.payment.js';
import { chargeClaim, chargeOrderId, chargeToRefund, toSubscriptionStateEvent } from './quickpay.subscription.js';
import { CHECKSUM_HEADER, signPaymentWindow, verifyCallbackChecksum } from './quickpay.signing.js';

/** How many charges of a subscription one page of `GET /subscriptions/{id}/payments` holds, and how many pages we read. */
const CHARGES_PAGE_SIZE = 100;
const CHARGES_MAX_PAGES = 50;

/** HTTP status and body for each outcome: 2xx when QuickPay may stop resending, 5xx only when a resend could help. */
const ANSWERS: Record<NotificationOutcome, [number, string]> = {
  [NotificationOutcome.ACCEPTED]: [200, 'accepted'],
  [NotificationOutcome.DUPLICATE]: [200, 'duplicate'],
  [NotificationOutcome.IGNORED]: [200, 'ignored'],
  // Answered as received: QuickPay resends anything else for 24 hours, and this message would fail every time.
  [NotificationOutcome.FAILED]: [200, 'recorded; it cannot be applied and the shop is told'],
  [NotificationOutcome.REJECTED_SIGNATURE]: [401, 'invalid checksum'],
  [NotificationOutcome.REJECTED_MALFORMED]: [400, 'malformed payment resource'],
  [NotificationOutcome.REJECTED_CONTENT_TYPE]: [415, 'expected application/json'],
  [NotificationOutcome.REJECTED_TOO_LARGE]: [413, 'body too large'],
  [NotificationOutcome.REJECTED_SOURCE]: [403, 'source address not allowed'],
  [NotificationOutcome.REJECTED_RATE_LIMITED]: [429, 'too many rejected messages from this address'],
  [NotificationOutcome.RETRY_LATER]: [503, 'retry later'],
};

export class QuickPayGateway implements PaymentGateway {
  readonly name = GatewayName.QUICKPAY;
  readonly notificationContentTypes = ['application/json'] as const;
  readonly allowedSources: readonly string[];
  /** A QuickPay callback carries the whole payment resource, signed: it is trusted as it is. */
  readonly notificationsNeedConfirmation = false;

  constructor(
    private readonly config: QuickPayConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.allowedSources = config.allowedSources;
  }

  /** QuickPay wants 4-20 alphanumerics per payment, unique per account: 'R' + 15 random base-36 characters. */
  newPaymentReference(): string {
    return 'R' + [...randomBytes(15)].map((b) => (b % 36).toString(36)).join('').toUpperCase();
  }

  /**
   * The payment window form. The window creates the payment at QuickPay, so nothing is created before. A
   * subscription method opens the window with `type=subscription` (the card is kept for recurring charges).
   */
  buildPaymentRequest(input: PaymentRequestInput): PaymentRedirect {
    const subscription = input.terms.drawMethod === DrawMethod.SUBSCRIPTION;
    const fields: Record<string, string> = {
      version: 'v10',
      merchant_id: this.config.merchantId,
      agreement_id: this.config.agreementId,
      order_id: input.payment.reference,
      amount: String(input.amount),
      currency: input.currency,
      continueurl: input.continueUrl,
      cancelurl: input.cancelUrl,
      callbackurl: input.callbackUrl,
      language: input.language,
      autocapture: '0',
      autofee: input.terms.gatewayFeeAllowed ? '1' : '0',
      type: subscription ? 'subscription' : 'payment',
    };
    if (input.terms.lockedTo) fields.payment_methods = input.terms.lockedTo;
    if (input.description) fields.description = input.description;
    fields.checksum = signPaymentWindow(fields, this.config.apiKey);
    return { method: 'POST', url: `${this.config.paymentWindowUrl}/`, fields };
  }

  /** The checksum alone proves the body is QuickPay's (no stored token, no clock). */
  async verifyNotification(rawBody: Buffer, headers: Record<string, string>, _context?: NotificationContext): Promise<string | undefined> {
    const checksum = headers[CHECKSUM_HEADER];
    if (!checksum) return `missing ${CHECKSUM_HEADER} header`;
    return verifyCallbackChecksum(rawBody, checksum, this.config.privateKey) ? undefined : 'checksum does not match the body';
  }

  parseNotification(rawBody: Buffer): PaymentStateEvent | null {
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch (e) {
      throw new MalformedNotificationError(`body is not JSON: ${(e as Error).message}`);
    }
    const parsed = QuickPayPaymentSchema.safeParse(json);
    if (!parsed.success) {
      throw new MalformedNotificationError(
        `not a QuickPay payment: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`,
      );
    }
    const resource = parsed.data;
    if (resource.subscription_id) return chargeClaim(resource);
    const event = toPaymentStateEvent(resource);
    // A subscription's own callback (subscribe, cancel) does not show its charges, which are its money: what it
    // holds is asked for with them.
    return event && resource.type === 'Subscription' ? { ...event, confirmBeforeApplying: true } : event;
  }

  peekReference(rawBody: Buffer): string | null {
    try {
      const ref = (JSON.parse(rawBody.toString('utf8')) as { order_id?: unknown }).order_id;
      return typeof ref === 'string' ? ref.slice(0, 64) : null;
    } catch {
      return null;
    }
  }

  /** QuickPay signs nothing it adds to the continue URL: the shopper's return is a hint only. */
  async verifyReturn(): Promise<ReturnVerification> {
    return { kind: 'unsigned' };
  }

  answer(outcome: NotificationOutcome): GatewayAnswer {
    const [status, message] = ANSWERS[outcome];
    return { status, contentType: 'application/json', body: JSON.stringify({ status: outcome, message }) };
  }

  async fetchPaymentStatus(payment: GatewayPayment): Promise<PaymentStateEvent | null> {
    if (payment.drawMethod === DrawMethod.SUBSCRIPTION) return this.subscriptionStatus(payment);
    const { reference, gatewayPaymentId } = payment;
    if (gatewayPaymentId) {
      const found = await this.request('GET', `/payments/${encodeURIComponent(gatewayPaymentId)}`, undefined, [404]);
      return found === null ? null : this.toEvent(found);
    }
    const list = await this.request('GET', `/payments?order_id=${encodeURIComponent(reference)}`);
    if (!Array.isArray(list)) throw new GatewayApiError('QuickPay answered a payment search with something that is not a list');
    const match = list.find((p) => (p as { order_id?: string })?.order_id === reference);
    return match ? this.toEvent(match) : null;
  }

  /** A subscription with all its recurring charges (toSubscriptionStateEvent); null when QuickPay does not know it. */
  private async subscriptionStatus({ reference, gatewayPaymentId }: GatewayPayment): Promise<PaymentStateEvent | null> {
    let subscription: unknown;
    if (gatewayPaymentId) {
      subscription = await this.request('GET', `/subscriptions/${encodeURIComponent(gatewayPaymentId)}`, undefined, [404]);
    } else {
      const list = await this.request('GET', `/subscriptions?order_id=${encodeURIComponent(reference)}`);
      if (!Array.isArray(list)) throw new GatewayApiError('QuickPay answered a subscription search with something that is not a list');
      subscription = list.find((p) => (p as { order_id?: string })?.order_id === reference) ?? null;
    }
    if (subscription === null) return null;
    const parsed = this.parse(subscription);
    return toSubscriptionStateEvent(parsed, await this.charges(parsed.id));
  }

  /** Every recurring charge of a subscription, page by page; an endless list is an error, never a partial answer. */
  private async charges(subscriptionId: number | string): Promise<QuickPayPayment[]> {
    const all: QuickPayPayment[] = [];
    for (let page = 1; page <= CHARGES_MAX_PAGES; page++) {
      const list = await this.request('GET', `/subscriptions/${encodeURIComponent(subscriptionId)}/payments?page=${page}&page_size=${CHARGES_PAGE_SIZE}`);
      if (!Array.isArray(list)) throw new GatewayApiError('QuickPay answered the list of recurring payments with something that is not a list');
      all.push(...list.map((p) => this.parse(p)));
      if (list.length < CHARGES_PAGE_SIZE) return all;
    }
    throw new GatewayApiError(`subscription ${subscriptionId} has more than ${CHARGES_PAGE_SIZE * CHARGES_MAX_PAGES} recurring payments`);
  }

  // QuickPay takes no idempotency key: the operations ledger is what makes each operation happen once.
  async capture(payment: GatewayPayment, amount: number, _request: OperationRequest): Promise<PaymentStateEvent> {
    return this.command(payment, 'capture', { amount });
  }

  /**
   * A subscription's money is in its charges: a refund goes to the newest charge with enough left to give back.
   * One refund is one operation at QuickPay, so an amount no single charge holds is refused here (400), before
   * anything is asked: the shop refunds each charge's part separately.
   */
  async refund(payment: GatewayPayment, amount: number, _request: OperationRequest): Promise<PaymentStateEvent> {
    if (payment.drawMethod !== DrawMethod.SUBSCRIPTION) return this.command(payment, 'refund', { amount });
    const id = this.idOf(payment, 'refund');
    const charge = chargeToRefund(await this.charges(id), amount);
    if (!charge) throw new GatewayApiError(`no recurring payment of subscription ${id} has ${amount} left to refund: refund each charge's part separately`, 400);
    await this.request('POST', `/payments/${charge.id}/refund?synchronized`, { amount });
    return this.settled(payment, 'refund');
  }

  /** Voids a payment's authorisation; for a subscription, ends it (no more charges; what they took stays taken). */
  async cancel(payment: GatewayPayment, _request: OperationRequest): Promise<PaymentStateEvent> {
    if (payment.drawMethod !== DrawMethod.SUBSCRIPTION) return this.command(payment, 'cancel', {});
    await this.request('POST', `/subscriptions/${encodeURIComponent(this.idOf(payment, 'cancel'))}/cancel?synchronized`, {});
    return this.settled(payment, 'cancel');
  }

  /**
   * A recurring charge of a subscription, captured at once: at QuickPay a new payment, with an order id made from
   * the subscription's reference and the request's key (chargeOrderId). Answered with the subscription as it holds
   * then, its new charge included.
   */
  async chargeSubscription(payment: GatewayPayment, amount: number, request: OperationRequest): Promise<PaymentStateEvent> {
    const id = this.idOf(payment, 'charge');
    await this.request('POST', `/subscriptions/${encodeURIComponent(id)}/recurring?synchronized`, { amount, order_id: chargeOrderId(payment.reference, request.idempotencyKey), auto_capture: true });
    return this.settled(payment, 'charge');
  }

  private async command(payment: GatewayPayment, op: string, body: Record<string, unknown>): Promise<PaymentStateEvent> {
    const id = this.idOf(payment, op);
    const res = await this.request('POST', `/payments/${encodeURIComponent(id)}/${op}?synchronized`, body);
    const event = this.toEvent(res);
    if (!event) throw new GatewayApiError(`QuickPay ${op} of payment ${id} returned a payment without operations`);
    return event;
  }

  /**
   * The subscription after a command that went through: asked again, since the command's answer is one charge (or
   * the subscription without its charges). If that question fails, whether the command's effect is in is unknown to
   * the ledger, which keeps the operation open until a callback or the reconciler tells.
   */
  private async settled(payment: GatewayPayment, op: string): Promise<PaymentStateEvent> {
    const event = await this.subscriptionStatus(payment);
    if (!event) throw new GatewayApiError(`QuickPay no longer knows subscription ${payment.gatewayPaymentId} after its ${op}`);
    return event;
  }

  private idOf({ gatewayPaymentId }: GatewayPayment, op: string): string {
    if (!gatewayPaymentId) throw new GatewayApiError(`QuickPay cannot ${op} a payment it has not reported yet (no QuickPay payment id)`);
    return gatewayPaymentId;
  }

  private parse(json: unknown): QuickPayPayment {
    const parsed = QuickPayPaymentSchema.safeParse(json);
    if (!parsed.success) throw new GatewayApiError(`QuickPay answered with something that is not a payment: ${parsed.error.message}`);
    return parsed.data;
  }

  private toEvent(json: unknown): PaymentStateEvent | null {
    const resource = this.parse(json);
    return resource.subscription_id ? chargeClaim(resource) : toPaymentStateEvent(resource);
  }

  private async request(method: string, path: string, body?: unknown, nullOn: number[] = []): Promise<unknown> {
    const headers: Record<string, string> = {
      'Accept-Version': 'v10',
      Accept: 'application/json',
      Authorization: `Basic ${Buffer.from(`:${this.config.apiKey}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    };
    const call = { method, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: this.config.apiTimeoutMs };
    const res = await callGateway(this.fetchImpl, `${this.config.apiUrl}${path}`, call, `QuickPay ${method} ${path}`);
    const text = res.text;
    if (nullOn.includes(res.status)) return null;
    if (!res.ok) throw new GatewayApiError(`QuickPay ${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`, res.status);
    try {
      return JSON.parse(text);
    } catch {
      throw new GatewayApiError(`QuickPay ${method} ${path} answered with a body that is not JSON`, res.status);
    }
  }
}

