/**
 * Payment lifecycle: what the gateway has said about one attempt to pay.
 *
 * INITIATED: created at checkout, the shopper is on the way to the gateway.
 * PENDING: the shopper came back saying "success" (a hint), or the gateway said it is still processing
 *   (3-D Secure, direct debit submitted): waiting for verified truth.
 * AUTHORIZED -> CAPTURED (partially or fully, repeatable) -> REFUNDED (partially or fully, repeatable); a capture
 *   of the rest after a refund keeps the payment REFUNDED, with its amounts amended.
 * REFUSED, CANCELLED, EXPIRED end an attempt before capture; AUTHORIZED -> CANCELLED is a void.
 *
 * Only verified gateway truth moves a payment to AUTHORIZED, CAPTURED or REFUNDED (invariant 4); the one thing a
 * shopper's redirect may do is INITIATED -> PENDING. The gateway has the last word: a newer verified authorisation
 * after a refusal (the shopper retried another card in the same window), an expiry or a cancel is never dropped
 * (invariant 5); its order is then revived or the money voided. Newer is the gateway's own ordering (the event's
 * sequence), checked before the machine is asked, so a stale copy never moves a payment backwards.
 */
import { StateMachine } from '../state-machine/state-machine.js';

export enum PaymentStatus {
  INITIATED = 'INITIATED',
  PENDING = 'PENDING',
  AUTHORIZED = 'AUTHORIZED',
  CAPTURED = 'CAPTURED',
  REFUNDED = 'REFUNDED',
  REFUSED = 'REFUSED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
}

/** Statuses in which money has been authorised (or moved further). */
export const PAID_STATUSES: ReadonlySet<PaymentStatus> = new Set([
  PaymentStatus.AUTHORIZED,
  PaymentStatus.CAPTURED,
  PaymentStatus.REFUNDED,
]);

/**
 * Whether the payment holds money for its order: authorised or captured, and not refunded in full. A refunded
 * payment still holds money while some of what it captured was not refunded, or some of its authorisation was never
 * captured (a partial capture refunded, the rest still capturable). A payment whose money all went back never makes
 * an order ready (and flags a ready one).
 */
export function holdsMoney(payment: { status: PaymentStatus; amountAuthorized: number; amountCaptured: number; amountRefunded: number }): boolean {
  if (payment.status === PaymentStatus.AUTHORIZED || payment.status === PaymentStatus.CAPTURED) return true;
  return payment.status === PaymentStatus.REFUNDED && (payment.amountRefunded < payment.amountCaptured || payment.amountCaptured < payment.amountAuthorized);
}

export interface PaymentGuardContext {
  /** The change comes from a verified notification or the gateway's own status API. */
  verified: boolean;
}

const verifiedOnly = (c: PaymentGuardContext) => (c.verified ? undefined : 'only verified gateway truth can do this');

export const paymentMachine = new StateMachine<PaymentStatus, PaymentGuardContext>(
  'Payment',
  Object.values(PaymentStatus),
  {
    // A snapshot from the gateway may skip states we never heard of (a lost callback): forward jumps are edges.
    [PaymentStatus.INITIATED]: [
      PaymentStatus.PENDING,
      PaymentStatus.AUTHORIZED,
      PaymentStatus.CAPTURED,
      PaymentStatus.REFUNDED,
      PaymentStatus.REFUSED,
      PaymentStatus.CANCELLED,
      PaymentStatus.EXPIRED,
    ],
    [PaymentStatus.PENDING]: [
      PaymentStatus.AUTHORIZED,
      PaymentStatus.CAPTURED,
      PaymentStatus.REFUNDED,
      PaymentStatus.REFUSED,
      PaymentStatus.CANCELLED,
      PaymentStatus.EXPIRED,
    ],
    [PaymentStatus.AUTHORIZED]: [PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.CANCELLED],
    // Self-edges record further partial captures and refunds.
    [PaymentStatus.CAPTURED]: [PaymentStatus.CAPTURED, PaymentStatus.REFUNDED],
    [PaymentStatus.REFUNDED]: [PaymentStatus.REFUNDED],
    [PaymentStatus.REFUSED]: [
      PaymentStatus.AUTHORIZED,
      PaymentStatus.CAPTURED,
      PaymentStatus.REFUNDED,
      PaymentStatus.CANCELLED,
      PaymentStatus.EXPIRED,
    ],
    // Ends without money, unless the gateway later says money was authorised after all. After an expiry a new
    // attempt in the same window may also be refused, or authorised and voided (a cancel we hear of first).
    [PaymentStatus.CANCELLED]: [PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED],
    [PaymentStatus.EXPIRED]: [PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.REFUSED, PaymentStatus.CANCELLED],
  },
  {
    '*->AUTHORIZED': verifiedOnly,
    '*->CAPTURED': verifiedOnly,
    '*->REFUNDED': verifiedOnly,
    '*->REFUSED': verifiedOnly,
    '*->CANCELLED': verifiedOnly,
    '*->EXPIRED': verifiedOnly,
  },
);
