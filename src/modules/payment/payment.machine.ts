/**
 * Payment lifecycle: what the gateway has said about one attempt to pay.
 *
 * INITIATED: created at checkout, the shopper is on the way to the gateway.
 * PENDING: the shopper came back saying "success" (a hint), or the gateway said it is still processing
 *   (3-D Secure, direct debit submitted): waiting for verified truth.
 * AUTHORIZED -> CAPTURED (partially or fully, repeatable) -> REFUNDED (partially or fully, repeatable).
 * REFUSED, CANCELLED, EXPIRED end an attempt before capture; AUTHORIZED -> CANCELLED is a void.
 *
 * Only verified gateway truth moves a payment to AUTHORIZED, CAPTURED or REFUNDED (invariant 4); the one thing a
 * shopper's redirect may do is INITIATED -> PENDING. A refused attempt can still be followed by a newer verified
 * authorisation of the same payment (the shopper retried another card in the same window): that authorisation wins.
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
    [PaymentStatus.CANCELLED]: [],
    [PaymentStatus.EXPIRED]: [],
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
