/**
 * What the shop may ask of a payment (seed 003): nothing before the payment is authorised, nothing on a test payment
 * its method does not allow, never more than what remains. What remains counts the operations still REQUESTED as
 * done: two captures in flight can never add up to more than was authorised, whichever the gateway does first.
 */
import { DrawMethod, OperationKind } from '../../gateways/gateway.js';
import type { Payment } from '../payment/payment.entity.js';
import { PAID_STATUSES, PaymentStatus } from '../payment/payment.machine.js';
import { OperationStatus, type PaymentOperation } from './payment-operation.entity.js';

/** Why an operation is refused: a reason code for `extensions.reason`, and words for the shop. */
export interface OperationRefusal {
  reason: 'NOT_AUTHORIZED' | 'TEST_PAYMENT' | 'WRONG_DRAW_METHOD' | 'AMOUNT_EXCEEDS_REMAINING' | 'NOTHING_REMAINS' | 'ALREADY_CAPTURED' | 'OPERATION_IN_FLIGHT' | 'AMOUNT_REQUIRED' | 'CANCELLED';
  message: string;
}

/** The amount an operation moves when the shop names none: all that remains (0 for a cancel). */
export type Decided = { amount: number } | { refusal: OperationRefusal };

const open = (rows: readonly PaymentOperation[], kind: OperationKind) => rows.filter((r) => r.status === OperationStatus.REQUESTED && r.kind === kind);
const sum = (rows: readonly PaymentOperation[]) => rows.reduce((s, r) => s + r.amount, 0);

/**
 * Decides an operation the shop asks for: the amount it will move, or why not. `byService` is the service's own
 * void (invariant 5), which a test payment does not stop: it gives back nothing real, but ends the authorisation.
 */
export function decideOperation(payment: Payment, rows: readonly PaymentOperation[], kind: OperationKind, amount: number | null, byService = false): Decided {
  const refuse = (reason: OperationRefusal['reason'], message: string): Decided => ({ refusal: { reason, message } });
  if (!PAID_STATUSES.has(payment.status)) {
    const why = payment.status === PaymentStatus.CANCELLED ? 'CANCELLED' : 'NOT_AUTHORIZED';
    return refuse(why, `the payment is ${payment.status}: payments cannot be handled until they are authorised`);
  }
  if (payment.testMode && !payment.testCardsAllowed && !byService) {
    return refuse('TEST_PAYMENT', 'the payment was made with a test card on a method that does not allow test cards: it cannot be handled');
  }
  const subscription = payment.drawMethod === DrawMethod.SUBSCRIPTION;
  const capturing = sum(open(rows, OperationKind.CAPTURE)) + sum(open(rows, OperationKind.RECURRING));
  switch (kind) {
    case OperationKind.CAPTURE: {
      if (subscription) return refuse('WRONG_DRAW_METHOD', 'a subscription is not captured: charge it (chargeSubscription)');
      if (open(rows, OperationKind.CANCEL).length) return refuse('OPERATION_IN_FLIGHT', 'a cancel of this payment is in flight');
      const remaining = payment.amountAuthorized - payment.amountCaptured - capturing;
      return within(remaining, amount, `authorised ${payment.amountAuthorized}, captured ${payment.amountCaptured}, in flight ${capturing}`);
    }
    case OperationKind.REFUND: {
      const remaining = payment.amountCaptured - payment.amountRefunded - sum(open(rows, OperationKind.REFUND));
      return within(remaining, amount, `captured ${payment.amountCaptured}, refunded ${payment.amountRefunded}`);
    }
    case OperationKind.CANCEL: {
      // Cancelling a subscription ends it: no more charges, and what its charges took stays taken (refund it).
      if (subscription) return ended() ?? (capturing > 0 ? refuse('OPERATION_IN_FLIGHT', 'a charge of this subscription is in flight') : { amount: 0 });
      if (payment.status !== PaymentStatus.AUTHORIZED || payment.amountCaptured > 0) return refuse('ALREADY_CAPTURED', `the payment is ${payment.status} with ${payment.amountCaptured} captured: refund it instead`);
      if (capturing > 0) return refuse('OPERATION_IN_FLIGHT', 'a capture of this payment is in flight: refund it instead');
      return { amount: 0 };
    }
    case OperationKind.RECURRING: {
      if (!subscription) return refuse('WRONG_DRAW_METHOD', 'only a subscription is charged again: capture this payment instead');
      if (amount === null) return refuse('AMOUNT_REQUIRED', 'a recurring charge needs its amount');
      const over = ended();
      if (over) return over;
      if (payment.status === PaymentStatus.REFUNDED && payment.amountRefunded >= payment.amountCaptured) return refuse('NOTHING_REMAINS', 'the subscription was refunded in full');
      return { amount };
    }
  }

  /** Refused once the subscription is ended, or while its end is asked for. */
  function ended(): Decided | undefined {
    const cancel = rows.find((r) => r.kind === OperationKind.CANCEL && r.status !== OperationStatus.FAILED);
    if (!cancel) return undefined;
    return cancel.status === OperationStatus.REQUESTED ? refuse('OPERATION_IN_FLIGHT', 'a cancel of this subscription is in flight') : refuse('CANCELLED', 'the subscription was cancelled: it is charged no more');
  }

  function within(remaining: number, asked: number | null, state: string): Decided {
    if (remaining <= 0) return refuse('NOTHING_REMAINS', `nothing remains (${state})`);
    if (asked !== null && asked > remaining) return refuse('AMOUNT_EXCEEDS_REMAINING', `${asked} is more than the ${remaining} that remains (${state})`);
    return { amount: asked ?? remaining };
  }
}
