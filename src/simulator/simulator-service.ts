/**
 * What the simulated QuickPay does, independent of HTTP: open a payment from a signed window form, authorise a
 * card, run capture / refund / cancel commands and a subscription's recurring charges, append scripted operations,
 * and send a callback after every change. The routes and the in-process API both call this, so they cannot drift
 * apart.
 */
import { verifyPaymentWindow } from '../gateways/quickpay/quickpay.signing.js';
import type { CallbackSender, CallbackSummary, DeliveryAttempt } from './callback-sender.js';
import type { Faults } from './faults.js';
import {
  appendOperation,
  commandError,
  numericOrString,
  recurringError,
  QP_REJECTED,
  QP_REQUEST_ERROR,
  type CommandType,
  type OperationInput,
  type SimOperation,
  type SimPayment,
} from './payment-resource.js';
import type { SimulatorState } from './simulator-state.js';
import { decideCard, type CardInput } from './test-cards.js';

/** Everything the simulator knows about one payment, for tests and `GET /_sim/payments`. */
export interface PaymentSnapshot {
  payment: SimPayment;
  faults: Faults;
  callbacks: CallbackSummary[];
  deliveries: DeliveryAttempt[];
}

/** The outcome of a shopper's "Pay". */
export type PayOutcome =
  | { kind: 'not-found' }
  | { kind: 'already-paid'; continueUrl: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'rejected'; message: string }
  | { kind: 'approved'; continueUrl: string };

/**
 * The outcome of a capture / refund / cancel or a recurring charge through the REST API. `invalid`: the request itself is
 * malformed (`field` names the culprit) and nothing happened. `refused` and `done` did happen (an operation and its
 * callback); `stallMs` is how long the answer must be held (the `stallCommandsMs` fault, else 0), see
 * {@link SimulatorService.holdAnswer}.
 */
export type CommandOutcome =
  | { kind: 'not-found' }
  | { kind: 'invalid'; field: string; message: string }
  | { kind: 'refused'; message: string; payment: SimPayment; stallMs: number }
  | { kind: 'done'; payment: SimPayment; stallMs: number };

/** A recurring charge's request body: its amount, its own `order_id` (required, unique), and `auto_capture`. */
export interface RecurringRequest {
  amount: unknown;
  orderId: unknown;
  autoCapture: unknown;
}

/** What the service needs from its host. */
export interface SimulatorServiceOptions {
  apiKey: string;
  /** When set, the window refuses forms for another merchant. */
  merchantId?: string;
  /** The simulator's public base URL, known only once it listens. */
  publicUrl(): string;
}

/** The form fields QuickPay v10 requires in a payment window post. */
const REQUIRED_FIELDS = [
  'version',
  'merchant_id',
  'agreement_id',
  'order_id',
  'amount',
  'currency',
  'continueurl',
  'cancelurl',
  'callbackurl',
  'checksum',
] as const;

const isHttpUrl = (s: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
};

/** The simulator's behaviour, shared by every route and the in-process API. */
export class SimulatorService {
  /** Answers held by the `stallCommandsMs` fault; reset() and close() release them at once. */
  private readonly stalls = new Set<{ timer: NodeJS.Timeout; release(): void }>();
  private closed = false;

  constructor(
    private readonly state: SimulatorState,
    private readonly sender: CallbackSender,
    private readonly opts: SimulatorServiceOptions,
  ) {}

  /**
   * Checks a payment window form (fields, then checksum) and creates the payment for its order id, or reuses the
   * existing one. Returns every problem at once, so a developer sees the whole story in one 400 page.
   */
  openWindow(fields: Record<string, string>): { ok: true; payment: SimPayment } | { ok: false; errors: string[] } {
    const errors: string[] = [];
    for (const name of REQUIRED_FIELDS) if (!fields[name]) errors.push(`missing field ${name}`);
    if (fields.version && fields.version !== 'v10') errors.push(`version must be v10, got ${fields.version}`);
    if (fields.amount && !/^\d{1,12}$/.test(fields.amount)) errors.push('amount must be an integer in minor units');
    if (fields.currency && !/^[A-Za-z]{3}$/.test(fields.currency)) errors.push('currency must be ISO 4217 alpha-3');
    if (fields.order_id && !/^[\x21-\x7e]{1,64}$/.test(fields.order_id)) errors.push('order_id must be 1-64 printable characters');
    for (const url of ['continueurl', 'cancelurl', 'callbackurl'] as const) {
      if (fields[url] && !isHttpUrl(fields[url])) errors.push(`${url} must be an http(s) URL`);
    }
    const type = (fields.type ?? 'payment').toLowerCase();
    if (type !== 'payment' && type !== 'subscription') errors.push('type must be payment or subscription');
    if (this.opts.merchantId && fields.merchant_id && fields.merchant_id !== this.opts.merchantId) {
      errors.push(`unknown merchant_id ${fields.merchant_id}`);
    }
    // The checksum is only worth checking on a complete form; a missing field would fail it anyway, less clearly.
    if (errors.length === 0 && !verifyPaymentWindow(fields, this.opts.apiKey)) {
      errors.push('checksum does not match the parameters (signed with the wrong API key, or a field changed)');
    }
    if (errors.length > 0) return { ok: false, errors };

    const { payment } = this.state.upsert({
      merchantId: fields.merchant_id,
      orderId: fields.order_id,
      currency: fields.currency.toUpperCase(),
      type: type === 'subscription' ? 'Subscription' : 'Payment',
      description: fields.description ?? null,
      link: {
        url: '', // filled below, once the id is known
        agreement_id: numericOrString(fields.agreement_id),
        language: fields.language ?? 'en',
        amount: Number(fields.amount),
        continue_url: fields.continueurl,
        cancel_url: fields.cancelurl,
        callback_url: fields.callbackurl,
        payment_methods: fields.payment_methods ?? null,
        auto_capture: fields.autocapture === '1' || fields.autocapture === 'true',
        auto_fee: fields.autofee === undefined ? null : fields.autofee === '1' || fields.autofee === 'true',
      },
    });
    if (!payment.link.url) payment.link.url = this.windowUrl(payment.id);
    return { ok: true, payment: this.state.view(payment.id)! };
  }

  /** The payment as the status API shows it, or undefined. */
  payment(paymentId: number): SimPayment | undefined {
    return this.state.view(paymentId);
  }

  /** The subscription as `GET /subscriptions/{id}` shows it, or undefined (also for a resource of type Payment). */
  subscription(paymentId: number): SimPayment | undefined {
    const resource = this.state.view(paymentId);
    return resource?.type === 'Subscription' ? resource : undefined;
  }

  /** The status API's search: all payments (recurring charges included), or those of one order id. */
  payments(orderId?: string): SimPayment[] {
    return this.search(orderId).filter((p) => p.type === 'Payment');
  }

  /** `GET /subscriptions`: all subscriptions, or those of one order id. */
  subscriptions(orderId?: string): SimPayment[] {
    return this.search(orderId).filter((p) => p.type === 'Subscription');
  }

  /** `GET /subscriptions/{id}/payments`: a subscription's recurring charges, or undefined when there is no such subscription. */
  charges(subscriptionId: number): SimPayment[] | undefined {
    return this.subscription(subscriptionId) ? this.state.chargesOf(subscriptionId) : undefined;
  }

  private search(orderId?: string): SimPayment[] {
    return orderId === undefined ? this.state.all() : this.state.findByOrderId(orderId);
  }

  /** Where the shopper's browser goes to see the window of a payment. */
  windowUrl(paymentId: number): string {
    return `${this.opts.publicUrl()}/window/${paymentId}`;
  }

  /** The shopper pressed "Pay": decide the card, append the authorisation, send its callback. */
  pay(paymentId: number, card: CardInput): PayOutcome {
    const payment = this.state.get(paymentId);
    if (!payment) return { kind: 'not-found' };
    // A double-clicked Pay button or a back button: QuickPay never authorises twice.
    if (payment.accepted) return { kind: 'already-paid', continueUrl: payment.link.continue_url };
    const decision = decideCard(card);
    if (decision.kind === 'invalid') return { kind: 'invalid', message: decision.message };

    payment.metadata = decision.metadata;
    payment.test_mode = decision.testMode;
    // autofee: the acquirer's fee is added to what is authorised, and the payment says how much it was.
    const fee = payment.link.auto_fee && decision.approved ? simulatedFee(payment.link.amount) : 0;
    payment.fee = fee;
    appendOperation(payment, {
      type: payment.type === 'Subscription' ? 'subscribe' : 'authorize',
      amount: payment.link.amount + fee,
      qp_status_code: decision.qpStatusCode,
      qp_status_msg: decision.qpStatusMsg,
    });
    this.notify(paymentId, decision.failFirstAttempt);
    if (!decision.approved) return { kind: 'rejected', message: 'The card was declined. Try another card.' };
    if (payment.link.auto_capture && payment.type === 'Payment') {
      appendOperation(payment, { type: 'capture', amount: payment.link.amount + fee });
      this.notify(paymentId);
    }
    return { kind: 'approved', continueUrl: payment.link.continue_url };
  }

  /** The shopper pressed "Cancel": QuickPay records nothing and sends no callback; returns where to send them. */
  cancelWindow(paymentId: number): string | undefined {
    return this.state.get(paymentId)?.link.cancel_url;
  }

  /** Appends any operation (scripted flows) and sends its callback. */
  appendOperation(paymentId: number, input: OperationInput): { payment: SimPayment; operation: SimOperation } | undefined {
    const payment = this.state.get(paymentId);
    if (!payment) return undefined;
    const operation = appendOperation(payment, input);
    this.notify(paymentId);
    return { payment: this.state.view(paymentId)!, operation: { ...operation } };
  }

  /**
   * A capture, refund or cancel of a payment (a recurring charge too), or the cancel of a subscription, through the
   * REST API. A request QuickPay would refuse by its rules (commandError) still leaves a failed operation (40001) and
   * a callback, as the real gateway does; a malformed amount leaves nothing. The `declineCommands` fault turns an
   * allowed command into a failed operation (40000); the `stallCommandsMs` fault shows in the outcome's `stallMs`.
   */
  command(paymentId: number, type: CommandType, amount: unknown): CommandOutcome {
    const payment = this.state.get(paymentId);
    if (!payment) return { kind: 'not-found' };
    let value = 0;
    if (type !== 'cancel') {
      value = positiveAmount(amount);
      if (!value) return { kind: 'invalid', field: 'amount', message: 'amount must be a positive integer' };
    }
    const error = commandError(payment, type, value);
    if (error) {
      appendOperation(payment, { type, amount: value, qp_status_code: QP_REQUEST_ERROR, qp_status_msg: error, aq_status_code: null });
      this.notify(paymentId);
      return { kind: 'refused', message: error, payment: this.state.view(paymentId)!, stallMs: this.stallFor(paymentId) };
    }
    if (this.state.faultsFor(paymentId).declineCommands) {
      appendOperation(payment, { type, amount: value, qp_status_code: QP_REJECTED, qp_status_msg: 'Declined by the acquirer (simulated fault)' });
    } else {
      appendOperation(payment, { type, amount: value });
    }
    this.notify(paymentId);
    return { kind: 'done', payment: this.state.view(paymentId)!, stallMs: this.stallFor(paymentId) };
  }

  /**
   * A recurring charge of a subscription (`POST /subscriptions/{id}/recurring`): as at QuickPay, a new payment with
   * its own id and the request's order id, whose `subscription_id` names the subscription. Its `recurring`
   * operation authorises it on the subscription's card; `auto_capture` captures it at once. Its callbacks go to the
   * subscription's callback URL. A subscription that cannot be charged (not authorised, cancelled) is refused
   * without creating anything. The subscription's faults apply: `declineCommands` declines the charge (40000),
   * `stallCommandsMs` holds the answer.
   */
  recurring(subscriptionId: number, request: RecurringRequest): CommandOutcome {
    const subscription = this.state.get(subscriptionId);
    if (!subscription || subscription.type !== 'Subscription') return { kind: 'not-found' };
    const amount = positiveAmount(request.amount);
    if (!amount) return { kind: 'invalid', field: 'amount', message: 'amount must be a positive integer' };
    const orderId = request.orderId;
    if (typeof orderId !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(orderId)) {
      return { kind: 'invalid', field: 'order_id', message: 'order_id must be 1-64 printable characters' };
    }
    if (this.state.hasOrderId(orderId)) return { kind: 'invalid', field: 'order_id', message: 'order_id already exists' };
    const stallMs = this.stallFor(subscriptionId);
    const error = recurringError(subscription);
    if (error) return { kind: 'refused', message: error, payment: this.state.view(subscriptionId)!, stallMs };

    const autoCapture = request.autoCapture === true || request.autoCapture === 'true' || request.autoCapture === 1;
    const { payment: charge } = this.state.upsert({
      merchantId: String(subscription.merchant_id),
      orderId,
      currency: subscription.currency,
      type: 'Payment',
      description: subscription.description,
      link: { ...subscription.link, url: '', amount, auto_capture: autoCapture, auto_fee: null },
      subscriptionId,
    });
    charge.test_mode = this.state.view(subscriptionId)!.test_mode;
    charge.metadata = { ...subscription.metadata };
    if (this.state.faultsFor(subscriptionId).declineCommands) {
      appendOperation(charge, { type: 'recurring', amount, qp_status_code: QP_REJECTED, qp_status_msg: 'Declined by the acquirer (simulated fault)' });
    } else {
      appendOperation(charge, { type: 'recurring', amount });
      if (autoCapture) appendOperation(charge, { type: 'capture', amount });
    }
    this.notify(charge.id);
    return { kind: 'done', payment: this.state.view(charge.id)!, stallMs };
  }

  /**
   * Resolves after `ms` (a command outcome's `stallMs`): how long the REST API holds a performed command's answer.
   * reset() and close() resolve every held answer at once, so a stall never keeps the simulator from closing.
   */
  holdAnswer(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const stall = {
        timer: setTimeout(() => stall.release(), ms),
        release: () => {
          clearTimeout(stall.timer);
          this.stalls.delete(stall);
          resolve();
        },
      };
      // Belt and braces: even a stall nobody releases never keeps the process alive.
      stall.timer.unref();
      this.stalls.add(stall);
    });
  }

  /** Sends the payment as it is now, as a new callback. */
  resendCallback(paymentId: number): CallbackSummary | undefined {
    return this.state.get(paymentId) ? this.notify(paymentId) : undefined;
  }

  /** Replaces an order id's faults; a payment that no longer reorders gets its held callback sent. */
  setFaults(orderId: string, faults: Faults): void {
    const paymentId = this.state.setFaults(orderId, faults);
    if (paymentId !== undefined && !this.state.faultsFor(paymentId).reorder) this.sender.flushHeld(paymentId);
  }

  setDefaultFaults(faults: Faults): void {
    this.state.setDefaultFaults(faults);
  }

  /** One payment with its faults and delivery log, or undefined. */
  snapshot(paymentId: number): PaymentSnapshot | undefined {
    const payment = this.state.view(paymentId);
    if (!payment) return undefined;
    return {
      payment,
      faults: this.state.faultsFor(paymentId),
      callbacks: this.sender.callbacksOf(paymentId),
      deliveries: this.sender.deliveries(paymentId),
    };
  }

  /** Every payment, oldest first. */
  snapshots(): PaymentSnapshot[] {
    return this.state.all().map((p) => this.snapshot(p.id)!);
  }

  /** Forgets everything, stops pending callbacks and answers every held (stalled) command at once. */
  reset(): void {
    this.releaseStalls();
    this.sender.reset();
    this.state.reset();
  }

  /** Answers every held command now and holds none from now on (the simulator is closing). */
  close(): void {
    this.closed = true;
    this.releaseStalls();
  }

  private releaseStalls(): void {
    for (const stall of [...this.stalls]) stall.release();
  }

  private stallFor(paymentId: number): number {
    return this.state.faultsFor(paymentId).stallCommandsMs ?? 0;
  }

  private notify(paymentId: number, failFirstAttempt = false): CallbackSummary {
    const resource = this.state.view(paymentId)!;
    return this.sender.send({ paymentId, callbackUrl: resource.link.callback_url, resource, failFirstAttempt });
  }
}

/**
 * The simulator's card fee when the window asks for autofee: 1.45 % of the amount, rounded up to a whole minor
 * unit. Real fees depend on the acquirer and the card; the service only ever reads the fee the payment reports.
 */
export function simulatedFee(amount: number): number {
  return Math.ceil((amount * 145) / 10_000);
}

/** A positive whole amount in minor units (a numeric string counts, as QuickPay reads form values), else 0. */
function positiveAmount(amount: unknown): number {
  const value = typeof amount === 'string' && /^\d+$/.test(amount) ? Number(amount) : amount;
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}
