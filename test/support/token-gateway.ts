/**
 * A gateway of the kind the next gateways are (PayXpert, Stripe, Lyra), for testing the seam with what QuickPay does
 * not use: the payment is created at the gateway at checkout and hands back a merchant token we must keep; a
 * notification is authenticated with that stored token and only says "ask me", so it is confirmed by fetching the
 * payment's status; and the shopper's return carries a signature. It speaks its own small JSON, in memory, under
 * QuickPay's name (the only gateway name there is yet), so the core is exercised through the real bridge.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
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
} from '../../src/gateways/gateway.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';

const RETURN_KEY = 'token-gateway-return-key';

/** Where one payment stands at the simulated gateway. */
export interface TokenPaymentState {
  status: PaymentStatus;
  amount: number;
  currency: string;
  sequence: number;
  /** Captured so far; the gateway reports only this total, never its operations. */
  captured?: number;
  /** An anomaly the gateway reports with the payment (the seam's `anomaly`). */
  anomaly?: string;
}

export class TokenGateway implements PaymentGateway {
  readonly name = GatewayName.QUICKPAY;
  readonly notificationContentTypes = ['application/json'];
  readonly allowedSources: string[] = [];
  readonly notificationsNeedConfirmation = true;
  /** Every createPayment call: its idempotency key. */
  readonly createCalls: string[] = [];
  /** Payments the gateway holds, by our reference; tests move them. */
  readonly payments = new Map<string, TokenPaymentState & { gatewayPaymentId: string; token: string }>();
  /** Make the next createPayment fail as an unreachable gateway would. */
  failNextCreate = false;
  /** Make status questions fail. */
  unreachable = false;

  newPaymentReference(): string {
    return `T${randomBytes(8).toString('hex')}`;
  }

  async createPayment(input: PaymentRequestInput): Promise<CreatedPayment> {
    this.createCalls.push(input.idempotencyKey);
    if (this.failNextCreate) {
      this.failNextCreate = false;
      throw new GatewayApiError('token gateway: connection reset');
    }
    const existing = this.payments.get(input.payment.reference);
    const created = existing ?? {
      gatewayPaymentId: `tok-${this.payments.size + 1}`,
      token: randomBytes(16).toString('hex'),
      status: PaymentStatus.PENDING,
      amount: input.amount,
      currency: input.currency,
      sequence: 1,
    };
    this.payments.set(input.payment.reference, created);
    return { gatewayPaymentId: created.gatewayPaymentId, gatewayData: { merchantToken: created.token } };
  }

  buildPaymentRequest(input: PaymentRequestInput): PaymentRedirect {
    return { method: 'GET', url: 'https://token-gateway.test/pay', fields: { payment: input.payment.gatewayPaymentId ?? '' } };
  }

  /** The notification names a payment and carries its merchant token, which must be the one we stored. */
  async verifyNotification(rawBody: Buffer, _headers: Record<string, string>, context: NotificationContext): Promise<string | undefined> {
    const { reference, merchantToken } = this.read(rawBody);
    const stored = await context.storedPayment(reference);
    const expected = stored?.gatewayData.merchantToken;
    if (!expected) return `no merchant token is kept for payment ${reference}`;
    const ok = merchantToken.length === expected.length && timingSafeEqual(Buffer.from(merchantToken), Buffer.from(expected));
    return ok ? undefined : 'merchant token does not match';
  }

  /** What the notification claims; never trusted as it is (notificationsNeedConfirmation). */
  parseNotification(rawBody: Buffer): PaymentStateEvent {
    const { reference, claims, amount } = this.read(rawBody);
    return this.event(reference, this.payments.get(reference)?.gatewayPaymentId ?? 'unknown', { status: claims, amount, currency: 'DKK', sequence: 9 });
  }

  /** Like Stripe's event id: a body's `messageId`, when it has one, is the message's identity. */
  messageId(rawBody: Buffer): string | null {
    try {
      const id = (JSON.parse(rawBody.toString('utf8')) as { messageId?: unknown }).messageId;
      return typeof id === 'string' ? id : null;
    } catch {
      return null;
    }
  }

  peekReference(rawBody: Buffer): string | null {
    try {
      return this.read(rawBody).reference;
    } catch {
      return null;
    }
  }

  async verifyReturn(params: Record<string, string>): Promise<ReturnVerification> {
    if (!params.signature) return { kind: 'unsigned' };
    const expected = signReturn(params.reference ?? '', params.status ?? '');
    if (params.signature !== expected) return { kind: 'forged', reason: 'return signature does not match' };
    const state = this.payments.get(params.reference);
    if (!state) return { kind: 'forged', reason: 'no such payment' };
    return { kind: 'verified', event: this.event(params.reference, state.gatewayPaymentId, { ...state, status: params.status as PaymentStatus }) };
  }

  answer(outcome: NotificationOutcome): GatewayAnswer {
    const status = outcome === NotificationOutcome.RETRY_LATER ? 503 : outcome.startsWith('REJECTED') ? 400 : 200;
    return { status, contentType: 'application/json', body: JSON.stringify({ outcome }) };
  }

  async fetchPaymentStatus(payment: GatewayPayment): Promise<PaymentStateEvent | null> {
    if (this.unreachable) throw new GatewayApiError('token gateway: timeout');
    const state = this.payments.get(payment.reference);
    return state ? this.event(payment.reference, state.gatewayPaymentId, state) : null;
  }

  /** Every capture asked of it: its idempotency key. */
  readonly captureCalls: string[] = [];

  async capture(p: GatewayPayment, amount: number, r: OperationRequest): Promise<PaymentStateEvent> {
    this.captureCalls.push(r.idempotencyKey);
    const state = this.payments.get(p.reference);
    if (!state) throw new GatewayApiError('no such payment', 404);
    Object.assign(state, { status: PaymentStatus.CAPTURED, captured: (state.captured ?? 0) + amount, sequence: state.sequence + 1 });
    return this.event(p.reference, state.gatewayPaymentId, state);
  }

  async refund(_p: GatewayPayment, _amount: number, _r: OperationRequest): Promise<PaymentStateEvent> {
    throw new GatewayApiError('not supported by the token gateway');
  }

  async cancel(_p: GatewayPayment, _r: OperationRequest): Promise<PaymentStateEvent> {
    throw new GatewayApiError('not supported by the token gateway');
  }

  private read(rawBody: Buffer): { reference: string; merchantToken: string; claims: PaymentStatus; amount: number } {
    const json = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
    if (typeof json.reference !== 'string' || typeof json.merchantToken !== 'string') throw new MalformedNotificationError('not a token gateway notification');
    return { reference: json.reference, merchantToken: json.merchantToken, claims: json.claims as PaymentStatus, amount: Number(json.amount ?? 0) };
  }

  private event(reference: string, gatewayPaymentId: string, s: TokenPaymentState): PaymentStateEvent {
    const authorised = s.status === PaymentStatus.AUTHORIZED || s.status === PaymentStatus.CAPTURED;
    // No `operations`: this gateway reports totals only.
    return {
      reference,
      gatewayPaymentId,
      status: s.status,
      sequence: s.sequence,
      currency: s.currency,
      amountAuthorized: authorised ? s.amount : 0,
      amountCaptured: s.captured ?? 0,
      amountRefunded: 0,
      fee: 0,
      testMode: false,
      detail: `token gateway payment ${gatewayPaymentId}: ${s.status}`,
      anomaly: s.anomaly,
    };
  }
}

/** The signature the token gateway puts on the shopper's return. */
export function signReturn(reference: string, status: string): string {
  return createHmac('sha256', RETURN_KEY).update(`${reference}|${status}`).digest('hex');
}
