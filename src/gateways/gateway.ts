/**
 * The one interface every payment gateway adapter implements. The core speaks only in these terms; a gateway's
 * field names, signatures and answers stay inside its own folder (one folder per gateway).
 */
import type { PaymentStatus } from '../modules/payment/payment.machine.js';

export enum GatewayName {
  QUICKPAY = 'QUICKPAY',
}

/** What the storefront needs to send the shopper to the gateway: a form to post, or a link to follow. */
export interface PaymentRedirect {
  method: 'POST' | 'GET';
  url: string;
  /** Form fields (POST) or query parameters (GET), already signed where the gateway wants a signature. */
  fields: Record<string, string>;
}

export interface PaymentRequestInput {
  /** Our reference for the payment, unique per gateway. */
  reference: string;
  amount: number;
  currency: string;
  continueUrl: string;
  cancelUrl: string;
  callbackUrl: string;
  language: string;
  description?: string;
  paymentMethods?: string;
}

/**
 * The normalised meaning of a gateway message or status answer: where one payment stands now, according to the
 * gateway. `sequence` orders the gateway's own view of the payment, so an older message never overrides a newer one.
 */
export interface PaymentStateEvent {
  reference: string;
  gatewayPaymentId: string;
  status: PaymentStatus;
  sequence: number;
  currency: string;
  amountAuthorized: number;
  amountCaptured: number;
  amountRefunded: number;
  fee: number;
  testMode: boolean;
  /** A short human description for the audit trail, e.g. "operation 3 authorize approved (20000)". */
  detail: string;
}

/** How the bridge ended with one notification; each gateway turns it into the answer it expects. */
export enum NotificationOutcome {
  /** Recorded and applied. */
  ACCEPTED = 'ACCEPTED',
  /** Recorded before: nothing more to do. */
  DUPLICATE = 'DUPLICATE',
  /** Recorded; valid but changed nothing. */
  IGNORED = 'IGNORED',
  /** Recorded; verified but it can never be applied (the shop is told): a resend would fail the same way. */
  FAILED = 'FAILED',
  /** Forged: recorded as rejected. */
  REJECTED_SIGNATURE = 'REJECTED_SIGNATURE',
  /** Not a message we can read: recorded as rejected. */
  REJECTED_MALFORMED = 'REJECTED_MALFORMED',
  /** Wrong content type. */
  REJECTED_CONTENT_TYPE = 'REJECTED_CONTENT_TYPE',
  /** Body larger than the limit. */
  REJECTED_TOO_LARGE = 'REJECTED_TOO_LARGE',
  /** The source address is not the gateway's. */
  REJECTED_SOURCE = 'REJECTED_SOURCE',
  /** Rejected, and not recorded: its source sent too many rejected messages lately. */
  REJECTED_RATE_LIMITED = 'REJECTED_RATE_LIMITED',
  /** A resend could help: the order is not visible yet, or the database is down. */
  RETRY_LATER = 'RETRY_LATER',
}

export interface GatewayAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Thrown by an adapter when a notification cannot be read. */
export class MalformedNotificationError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedNotificationError';
  }
}

/** Thrown by an adapter when the gateway's API fails or answers something unexpected. */
export class GatewayApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GatewayApiError';
  }
}

export interface PaymentGateway {
  readonly name: GatewayName;
  /** Content types a notification may have (compared without parameters). */
  readonly notificationContentTypes: readonly string[];
  /** Source addresses allowed to post notifications (CIDR); empty allows any. */
  readonly allowedSources: readonly string[];

  buildPaymentRequest(input: PaymentRequestInput): PaymentRedirect;

  /** Checks the message is the gateway's own; returns the refusal reason, or undefined when authentic. */
  verifyNotification(rawBody: Buffer, headers: Record<string, string>): string | undefined;

  /** Reads a verified notification into the payment's new state; null when it says nothing we act on. */
  parseNotification(rawBody: Buffer, headers: Record<string, string>): PaymentStateEvent | null;

  /** Best-effort read of the payment reference, for the inbox record of a message that failed verification. */
  peekReference(rawBody: Buffer): string | null;

  answer(outcome: NotificationOutcome): GatewayAnswer;

  /** Asks the gateway where a payment stands (the reconciler's question); null when the gateway does not know it. */
  fetchPaymentStatus(reference: string, gatewayPaymentId: string | null): Promise<PaymentStateEvent | null>;

  capture(gatewayPaymentId: string, amount: number): Promise<PaymentStateEvent>;
  refund(gatewayPaymentId: string, amount: number): Promise<PaymentStateEvent>;
  cancel(gatewayPaymentId: string): Promise<PaymentStateEvent>;
}
