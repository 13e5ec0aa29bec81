/**
 * Lyra (PayZen, Systempay, Sogecommerce) behind the gateway interface: the signed payment form, the form IPN and
 * REST IPN (verified, then read), the signed browser return, the plain-text answer Lyra shows its merchant, and the
 * REST API V4 for status questions and capture / refund / cancel. A payment of ours is a Lyra order: our
 * reference is its `vads_order_id`, and Lyra's id for it (`gatewayPaymentId`) is that same order id.
 */
import { randomBytes } from 'node:crypto';
import { PaymentStatus } from '../../modules/payment/payment.machine.js';
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
import { LyraApi, LYRA_REFUSED, LyraRefusal, NOT_FOUND_CODES } from './lyra.api.js';
import type { LyraConfig } from './lyra.config.js';
import { numericCurrency } from './lyra.currency.js';
import { formFields, formTransaction, LyraReadError, readKrAnswer, RestPayment, restTransactions, transDateOf } from './lyra.messages.js';
import { toPaymentStateEvent, type LyraTransaction } from './lyra.payment.js';
import { lyraStatus } from './lyra.status.js';
import { signForm } from './lyra.signing.js';
import { formRefusal, restRefusal } from './lyra.verify.js';

/**
 * Status and plain-text body for each outcome (Lyra keeps the first 512 characters for its merchant to read, and
 * shows no HTML): 200 whenever Lyra may stop resending, 5xx only when a resend could help. Lyra retries a failure
 * 4 times at most and then e-mails the merchant, so a refusal is worded for that merchant.
 */
const ANSWERS: Record<NotificationOutcome, [number, string]> = {
  [NotificationOutcome.ACCEPTED]: [200, 'OK: accepted'],
  [NotificationOutcome.DUPLICATE]: [200, 'OK: already received'],
  [NotificationOutcome.IGNORED]: [200, 'OK: received, nothing to change'],
  // Resending would fail the same way; the shop is told by the service itself.
  [NotificationOutcome.FAILED]: [200, 'OK: received; it cannot be applied and the shop has been told'],
  [NotificationOutcome.REJECTED_SIGNATURE]: [401, 'KO: the signature does not verify with this shop\'s key, site id and mode'],
  [NotificationOutcome.REJECTED_MALFORMED]: [400, 'KO: not a Lyra payment notification this service can read'],
  [NotificationOutcome.REJECTED_CONTENT_TYPE]: [415, 'KO: expected application/x-www-form-urlencoded'],
  [NotificationOutcome.REJECTED_TOO_LARGE]: [413, 'KO: body too large'],
  [NotificationOutcome.REJECTED_SOURCE]: [403, 'KO: source address not allowed (LYRA_ALLOWED_SOURCES)'],
  [NotificationOutcome.REJECTED_RATE_LIMITED]: [429, 'KO: too many rejected messages from this address'],
  [NotificationOutcome.RETRY_LATER]: [503, 'KO: temporarily unable to record it, please resend'],
};

/** Lyra's `vads_order_id`: up to 64 of letters, digits, `-` and `_`; ours are 'L' + 19 base-36 characters. */
const REFERENCE_LENGTH = 19;
/** `vads_trans_id` is 6 digits, unique per shop and UTC day: tenths of a second since midnight fit (0-863999). */
const TENTHS_PER_DAY = 864_000;

export class LyraGateway implements PaymentGateway {
  readonly name = GatewayName.LYRA;
  readonly notificationContentTypes = ['application/x-www-form-urlencoded'] as const;
  readonly allowedSources: readonly string[];
  /** A form IPN tells its transaction whole, signed; a REST IPN tells the whole order, hashed: both trusted as they are. */
  readonly notificationsNeedConfirmation = false;
  private readonly api: LyraApi;
  /** The last `vads_trans_id` handed out, with its day: ids move forward within a day, whatever the clock does. */
  private lastTransId = { day: '', tenth: -1 };

  constructor(
    private readonly config: LyraConfig,
    fetchImpl: typeof fetch = fetch,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.allowedSources = config.allowedSources;
    this.api = new LyraApi(config, fetchImpl);
  }

  newPaymentReference(): string {
    return 'L' + [...randomBytes(REFERENCE_LENGTH)].map((b) => (b % 36).toString(36)).join('').toUpperCase();
  }

  /**
   * The payment form. Lyra creates the transaction when the shopper submits it. Manual validation
   * (`vads_validation_mode=1`): the service authorises now and captures when the shop says so (a REST Validate);
   * the capture delay is left to the shop's back office, where it bounds how long the shop has to capture. The
   * return comes back by GET, so the storefront's confirmation page gets the signed fields in its query.
   */
  buildPaymentRequest(input: PaymentRequestInput): PaymentRedirect {
    if (input.terms.drawMethod === DrawMethod.SUBSCRIPTION) throw new GatewayApiError('Lyra subscriptions are not supported by this service', LYRA_REFUSED);
    const currency = numericCurrency(input.currency);
    if (!currency) throw new GatewayApiError(`Lyra cannot take ${input.currency} here (no ISO 4217 numeric code known for it)`, LYRA_REFUSED);
    const now = this.clock();
    const fields: Record<string, string> = {
      vads_action_mode: 'INTERACTIVE',
      vads_amount: String(input.amount),
      vads_ctx_mode: this.config.ctxMode,
      vads_currency: currency,
      vads_language: input.language,
      vads_order_id: input.payment.reference,
      vads_page_action: 'PAYMENT',
      vads_payment_config: 'SINGLE',
      vads_return_mode: 'GET',
      vads_site_id: this.config.siteId,
      vads_trans_date: transDateOf(now),
      vads_trans_id: this.nextTransId(now),
      vads_url_cancel: input.cancelUrl,
      vads_url_check: input.callbackUrl,
      vads_url_error: input.cancelUrl,
      vads_url_refused: input.cancelUrl,
      vads_url_return: input.continueUrl,
      vads_url_success: input.continueUrl,
      vads_validation_mode: '1',
      vads_version: 'V2',
    };
    if (input.terms.lockedTo) fields.vads_payment_cards = input.terms.lockedTo;
    if (input.description) fields.vads_order_info = input.description.slice(0, 255);
    fields.signature = signForm(fields, this.config.formKey, this.config.signatureAlgorithm);
    return { method: 'POST', url: this.config.paymentUrl, fields };
  }

  async verifyNotification(rawBody: Buffer): Promise<string | undefined> {
    let fields: Record<string, string>;
    try {
      fields = formFields(rawBody.toString('utf8'));
    } catch (e) {
      if (e instanceof LyraReadError) return e.message;
      throw e;
    }
    return 'kr-answer' in fields ? restRefusal(fields, this.config, 'server') : formRefusal(fields, this.config);
  }

  /**
   * A form IPN about a refund (CREDIT) alone tells nothing of the payment it refunds (its DEBIT is not in it): it is
   * a claim about the order, confirmed by asking Lyra for the whole order (`confirmBeforeApplying`), so a refund made
   * in Lyra's back office enters the ledger when its IPN comes.
   */
  parseNotification(rawBody: Buffer): PaymentStateEvent | null {
    try {
      return this.read(formFields(rawBody.toString('utf8')), 'IPN');
    } catch (e) {
      if (e instanceof LyraReadError) throw new MalformedNotificationError(e.message);
      throw e;
    }
  }

  peekReference(rawBody: Buffer): string | null {
    try {
      const fields = new URLSearchParams(rawBody.toString('utf8'));
      const orderId = fields.get('vads_order_id');
      if (orderId) return orderId.slice(0, 64);
      const answer = fields.get('kr-answer');
      if (!answer) return null;
      const parsed = JSON.parse(answer) as { orderDetails?: { orderId?: unknown } };
      return typeof parsed.orderDetails?.orderId === 'string' ? parsed.orderDetails.orderId.slice(0, 64) : null;
    } catch {
      return null;
    }
  }

  /** Lyra signs its returns like its IPNs: a verified return is Lyra's word; a bad signature is a forgery. */
  async verifyReturn(params: Record<string, string>, _context?: NotificationContext): Promise<ReturnVerification> {
    const rest = 'kr-hash' in params || 'kr-answer' in params;
    if (!rest && !('signature' in params)) return { kind: 'unsigned' };
    const refusal = rest ? restRefusal(params, this.config, 'browser') : formRefusal(params, this.config);
    if (refusal) return { kind: 'forged', reason: refusal };
    try {
      const event = this.read(params, 'signed return');
      return event ? { kind: 'verified', event } : { kind: 'unsigned' };
    } catch (e) {
      if (e instanceof LyraReadError) return { kind: 'forged', reason: `signed, but unreadable: ${e.message}` };
      throw e;
    }
  }

  answer(outcome: NotificationOutcome): GatewayAnswer {
    const [status, body] = ANSWERS[outcome];
    return { status, contentType: 'text/plain; charset=utf-8', body: `${body} (${outcome})`.slice(0, 512) };
  }

  async fetchPaymentStatus({ reference }: GatewayPayment): Promise<PaymentStateEvent | null> {
    const transactions = await this.orderTransactions(reference);
    return transactions === null ? null : toPaymentStateEvent(transactions, 'Order/Get');
  }

  /**
   * A capture is a validation of the authorisation (Lyra collects it at its next capture batch, and says so by IPN):
   * the whole of it by `Transaction/Validate`, less by `Transaction/Update` with the lower amount, validated at
   * once. Already validated for that amount: nothing to ask. The answer shows the capture pending until then.
   */
  async capture(payment: GatewayPayment, amount: number, _request: OperationRequest): Promise<PaymentStateEvent> {
    const debit = await this.debitOf(payment, 'capture');
    if (debit.status !== 'AUTHORISED_TO_VALIDATE' && debit.status !== 'AUTHORISED') throw this.refusal('capture', debit);
    if (amount > debit.amount) throw new GatewayApiError(`Lyra cannot capture ${amount}: transaction ${debit.uuid} is for ${debit.amount}`, LYRA_REFUSED);
    if (amount < debit.amount) {
      await this.api.call('Transaction/Update', { uuid: debit.uuid, cardUpdate: { amount, currency: debit.currency, manualValidation: 'NO' } });
    } else if (debit.status === 'AUTHORISED_TO_VALIDATE') {
      await this.api.call('Transaction/Validate', { uuid: debit.uuid });
    }
    return this.stateAfter(payment, 'capture');
  }

  /** A refund of captured money: a CREDIT transaction (`Transaction/CancelOrRefund`, refunds only). */
  async refund(payment: GatewayPayment, amount: number, _request: OperationRequest): Promise<PaymentStateEvent> {
    const debit = await this.debitOf(payment, 'refund');
    if (debit.status !== 'CAPTURED') throw this.refusal('refund', debit);
    await this.api.call('Transaction/CancelOrRefund', { uuid: debit.uuid, amount, currency: debit.currency, resolutionMode: 'REFUND_ONLY' });
    return this.stateAfter(payment, 'refund');
  }

  /** A void of an uncaptured authorisation (`Transaction/CancelOrRefund`, cancellations only). */
  async cancel(payment: GatewayPayment, _request: OperationRequest): Promise<PaymentStateEvent> {
    const debit = await this.debitOf(payment, 'cancel');
    const s = debit.status;
    if (s !== 'AUTHORISED_TO_VALIDATE' && s !== 'AUTHORISED' && s !== 'WAITING_AUTHORISATION' && s !== 'WAITING_AUTHORISATION_TO_VALIDATE') throw this.refusal('cancel', debit);
    await this.api.call('Transaction/CancelOrRefund', { uuid: debit.uuid, amount: debit.amount, currency: debit.currency, resolutionMode: 'CANCELLATION_ONLY' });
    return this.stateAfter(payment, 'cancel');
  }

  /** What a signed message (IPN or return, form or REST) says of its payment. */
  private read(fields: Readonly<Record<string, string>>, source: string): PaymentStateEvent | null {
    if ('kr-answer' in fields) return toPaymentStateEvent(restTransactions(readKrAnswer(fields['kr-answer']), this.config.ctxMode), `REST ${source}`);
    const t = formTransaction(fields);
    if (t.operationType === 'CREDIT') return refundClaim(t);
    return toPaymentStateEvent([t], `form ${source}${fields.vads_url_check_src ? ` from ${fields.vads_url_check_src.slice(0, 12)}` : ''}`);
  }

  /** Every transaction of an order, by `Order/Get`; null when Lyra does not know the order. */
  private async orderTransactions(orderId: string): Promise<LyraTransaction[] | null> {
    let answer: unknown;
    try {
      answer = await this.api.call('Order/Get', { orderId });
    } catch (e) {
      if (e instanceof LyraRefusal && NOT_FOUND_CODES.has(e.errorCode)) return null;
      throw e;
    }
    const parsed = RestPayment.safeParse(answer);
    if (!parsed.success) throw new GatewayApiError(`Lyra Order/Get answered something that is not an order: ${parsed.error.issues[0]?.message ?? ''}`, 502);
    try {
      const transactions = restTransactions({ ...parsed.data, orderId: parsed.data.orderId ?? orderId }, this.config.ctxMode);
      // An answer about another order is no answer about this one.
      if (transactions.some((t) => t.orderId !== orderId)) throw new GatewayApiError(`Lyra Order/Get for ${orderId} answered about another order`, 502);
      return transactions.length ? transactions : null;
    } catch (e) {
      if (e instanceof LyraReadError) throw new GatewayApiError(`Lyra Order/Get answered an order this service cannot read: ${e.message}`, 502);
      throw e;
    }
  }

  /** The DEBIT an operation acts on: the one the payment's state rests on (toPaymentStateEvent's choice). */
  private async debitOf({ reference }: GatewayPayment, op: string): Promise<LyraTransaction> {
    const transactions = await this.orderTransactions(reference);
    const debits = (transactions ?? []).filter((t) => t.operationType === 'DEBIT').sort((a, b) => a.createdAt - b.createdAt);
    const holding = debits.filter((t) => [PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED].includes(lyraStatus(t.status)?.status ?? PaymentStatus.PENDING));
    const debit = (holding.length ? holding : debits).at(-1);
    if (!debit) throw new GatewayApiError(`Lyra cannot ${op} payment ${reference}: it knows no payment transaction for it`, LYRA_REFUSED);
    return debit;
  }

  private refusal(op: string, debit: LyraTransaction): GatewayApiError {
    return new GatewayApiError(`Lyra cannot ${op} transaction ${debit.uuid}: it is ${debit.status}`, LYRA_REFUSED);
  }

  /** The payment after an operation, as Lyra holds it (its answer to the operation tells one transaction only). */
  private async stateAfter(payment: GatewayPayment, op: string): Promise<PaymentStateEvent> {
    const event = await this.fetchPaymentStatus(payment);
    if (!event) throw new GatewayApiError(`Lyra no longer knows payment ${payment.reference} after its ${op}`, 502);
    return event;
  }

  /**
   * Six digits, unique per UTC day in this process: tenths of a second since midnight, moved on by one when two
   * payment forms come in the same tenth. (Several instances could still pick the same id in the same tenth: Lyra
   * then refuses the form, and the shopper's new checkout gets another.)
   */
  private nextTransId(now: Date): string {
    const day = now.toISOString().slice(0, 10);
    const tenth = Math.floor((now.getTime() % 86_400_000) / 100);
    const next = day === this.lastTransId.day ? Math.max(tenth, this.lastTransId.tenth + 1) : tenth;
    this.lastTransId = { day, tenth: next };
    return String(next % TENTHS_PER_DAY).padStart(6, '0');
  }
}

/** What a refund's form IPN claims: only which order (payment) it concerns; the inbox asks Lyra for the rest. */
function refundClaim(t: LyraTransaction): PaymentStateEvent {
  return {
    reference: t.orderId,
    gatewayPaymentId: t.orderId,
    status: PaymentStatus.PENDING,
    sequence: 0,
    currency: t.currency,
    amountAuthorized: 0,
    amountCaptured: 0,
    amountRefunded: 0,
    fee: 0,
    testMode: t.testMode,
    detail: `Lyra form IPN: refund ${t.uuid} ${t.status}, confirmed by asking for the order`,
    confirmBeforeApplying: true,
  };
}
