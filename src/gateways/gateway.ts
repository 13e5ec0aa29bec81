/**
 * The one interface every payment gateway adapter implements. The core speaks only in these terms; a gateway's
 * field names, signatures and answers stay inside its own folder (one folder per gateway).
 */
import type { PaymentStatus } from '../modules/payment/payment.machine.js';

export enum GatewayName {
  QUICKPAY = 'QUICKPAY',
  LYRA = 'LYRA',
  STRIPE = 'STRIPE',
}

/** What the storefront needs to send the shopper to the gateway: a form to post, or a link to follow. */
export interface PaymentRedirect {
  method: 'POST' | 'GET';
  url: string;
  /** Form fields (POST) or query parameters (GET), already signed where the gateway wants a signature. */
  fields: Record<string, string>;
}

/** How a payment method draws the money (seed 003): one authorisation, or a subscription charged again later. */
export enum DrawMethod {
  AUTHORIZE = 'AUTHORIZE',
  SUBSCRIPTION = 'SUBSCRIPTION',
}

/** What a payment method asks of the gateway's payment window, as the payment keeps it from its checkout. */
export interface PaymentTerms {
  drawMethod: DrawMethod;
  /** Whether the gateway may add its fee to the amount (QuickPay `autofee`). */
  gatewayFeeAllowed: boolean;
  /** The card types or methods the window is locked to, in the gateway's own notation (QuickPay `payment_methods`). */
  lockedTo: string | null;
}

/**
 * One payment as its gateway knows it: what the adapter needs to act on it. `gatewayData` is what the adapter asked
 * us to keep when it created the payment (PayXpert's merchant token, Stripe's client secret): secret, never shown.
 */
export interface GatewayPayment {
  /** Our reference for the payment, unique per gateway (made by the adapter's `newPaymentReference`). */
  reference: string;
  gatewayPaymentId: string | null;
  gatewayData: Readonly<Record<string, string>>;
  /** How it draws the money (a subscription is a different resource at some gateways); absent when we keep no such payment. */
  drawMethod?: DrawMethod;
}

export interface PaymentRequestInput {
  payment: GatewayPayment;
  amount: number;
  currency: string;
  terms: PaymentTerms;
  continueUrl: string;
  cancelUrl: string;
  callbackUrl: string;
  language: string;
  description?: string;
  /** The same for every attempt to create this payment: a gateway that honours one creates it once. */
  idempotencyKey: string;
}

/** What creating a payment at the gateway gave us to keep with it. */
export interface CreatedPayment {
  gatewayPaymentId: string | null;
  /** At most a few short strings (tokens, ids); stored with the payment, never shown. */
  gatewayData: Record<string, string>;
}

/** What the adapter may consult to authenticate a notification. */
export interface NotificationContext {
  now: Date;
  /** The payment we keep under `reference` at this gateway (for gateways that authenticate with a stored token). */
  storedPayment(reference: string): Promise<GatewayPayment | null>;
}

/** What a shopper's return from the gateway proves. */
export type ReturnVerification =
  /** The gateway does not sign its returns (or this one carries no signature): a hint only. */
  | { kind: 'unsigned' }
  /** It carries a signature that does not verify. */
  | { kind: 'forged'; reason: string }
  /** The gateway's own signed word: applied like a notification. */
  | { kind: 'verified'; event: PaymentStateEvent };

/** Every operation we ask of a gateway carries its key: a gateway that honours one does the operation once. */
export interface OperationRequest {
  idempotencyKey: string;
}

/** The payment operations the shop asks of a gateway after the authorisation (seed 003), and the ledger records. */
export enum OperationKind {
  CAPTURE = 'CAPTURE',
  REFUND = 'REFUND',
  /** Voids an uncaptured authorisation (or ends a subscription). */
  CANCEL = 'CANCEL',
  /** A charge against a subscription (QuickPay's recurring payment): captured money, like a capture. */
  RECURRING = 'RECURRING',
}

/** Where one operation stands at the gateway. */
export enum GatewayOperationOutcome {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/** One operation of a payment as the gateway reports it, with the gateway's own id for it. */
export interface GatewayOperationReport {
  gatewayOperationId: string;
  kind: OperationKind;
  amount: number;
  outcome: GatewayOperationOutcome;
  /** The gateway's words for it (status code and message), for the ledger. */
  answer: string;
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
  /**
   * Every capture, refund, cancel and recurring charge of the payment the gateway knows of, when the message lists
   * them (QuickPay's `operations[]`): the operations ledger matches them to the ones we asked for, and records the
   * others (done in the gateway's own back office). Absent when the gateway reports only totals: then what the
   * totals add to the ledger is recorded as one operation done at the gateway.
   */
  operations?: readonly GatewayOperationReport[];
  /**
   * True when this message alone does not say where the payment stands (QuickPay sends a subscription's recurring
   * charge as a payment of its own): the inbox asks `fetchPaymentStatus` and applies its answer instead, as it does
   * for every message of a gateway whose notifications need confirmation. Only its `reference` is used.
   */
  confirmBeforeApplying?: boolean;
  /**
   * Something the shop must look at that is not a payment status (Lyra's CAPTURE_FAILED, SUSPENDED: the money is
   * authorised but its capture is not going through), in a few words. When the message is applied, its order is
   * flagged GATEWAY_ANOMALY (once) with this text in the audit trail. Absent for an ordinary message.
   */
  anomaly?: string;
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

/**
 * Thrown by an adapter when the gateway's API fails, cannot be reached (then `status` is undefined: whether the
 * gateway acted is unknown), or answers something unexpected. Adapters throw nothing else for the gateway's faults.
 */
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
  /**
   * True when a notification only says "something happened" and must be confirmed by asking the gateway
   * (`fetchPaymentStatus`) before it is trusted: the answer, not the notification, is what gets applied.
   */
  readonly notificationsNeedConfirmation: boolean;

  /** A new reference for a payment, in the form the gateway accepts. */
  newPaymentReference(): string;

  /**
   * Creates the payment at the gateway before the shopper is sent there, for gateways that want it (PayXpert,
   * Stripe); absent when the payment window creates it. Called outside any transaction, again for a repeated
   * checkout whose first call did not come back.
   */
  createPayment?(input: PaymentRequestInput): Promise<CreatedPayment>;

  buildPaymentRequest(input: PaymentRequestInput): PaymentRedirect;

  /** Checks the message is the gateway's own; returns the refusal reason, or undefined when authentic. */
  verifyNotification(rawBody: Buffer, headers: Record<string, string>, context: NotificationContext): Promise<string | undefined>;

  /** Reads a verified notification into the payment's new state; null when it says nothing we act on. */
  parseNotification(rawBody: Buffer, headers: Record<string, string>): PaymentStateEvent | null;

  /**
   * The gateway's own id for this message (Stripe's event id), when it has one: a resend of the message is then a
   * duplicate even if its bytes differ. Absent, or null, and the message's bytes are its identity.
   */
  messageId?(rawBody: Buffer): string | null;

  /** Best-effort read of the payment reference, for the inbox record of a message that failed verification. */
  peekReference(rawBody: Buffer): string | null;

  /** What the parameters the gateway added to the shopper's return URL prove (a signed return, or nothing). */
  verifyReturn(params: Record<string, string>, context: NotificationContext): Promise<ReturnVerification>;

  answer(outcome: NotificationOutcome): GatewayAnswer;

  /** Asks the gateway where a payment stands (the reconciler's question); null when the gateway does not know it. */
  fetchPaymentStatus(payment: GatewayPayment): Promise<PaymentStateEvent | null>;

  /**
   * The payment operations. Each answers the payment as the gateway holds it afterwards (its `operations` should
   * include the one just done), and throws GatewayApiError when the gateway refused (a 4xx status) or when whether
   * it acted is unknown (no status, or 5xx): the ledger keeps such an operation REQUESTED, never retried blindly.
   */
  capture(payment: GatewayPayment, amount: number, request: OperationRequest): Promise<PaymentStateEvent>;
  refund(payment: GatewayPayment, amount: number, request: OperationRequest): Promise<PaymentStateEvent>;
  cancel(payment: GatewayPayment, request: OperationRequest): Promise<PaymentStateEvent>;
  /** Charges a subscription again (seed 003's recurring); absent for gateways without subscriptions. */
  chargeSubscription?(payment: GatewayPayment, amount: number, request: OperationRequest): Promise<PaymentStateEvent>;
}
