/**
 * Applies the gateway's verified word about a payment (a notification, or the gateway's answer to the reconciler)
 * and what follows for its order. Stale words never move a payment backwards (invariant 4); an authorisation of
 * the wrong amount is flagged, not accepted (invariant 6); a late one revives its order or is voided (invariant 5).
 */
import type { PaymentStateEvent } from '../../gateways/gateway.js';
import { OrderFlag, type Order } from '../order/order.entity.js';
import { OrderStatus } from '../order/order.machine.js';
import { cancelOrder, flag, makeReadyOrFlag, settleRefundedInFull } from '../order/order-lifecycle.js';
import { storableText } from '../shared/storable-text.js';
import type { Cause, LineageTransaction } from '../transition/lineage-transaction.js';
import { needsLedger, planLedger, type UnreportedPolicy } from '../payment-operation/operation-ledger.js';
import type { Payment } from './payment.entity.js';
import { PAID_STATUSES, PaymentStatus, holdsMoney, paymentMachine } from './payment.machine.js';

/** Statuses that end an attempt without money. */
const FAILED_STATUSES: ReadonlySet<PaymentStatus> = new Set([PaymentStatus.REFUSED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED]);

export interface ApplyResult {
  /** Whether anything was written (a state change, or how far the gateway has got). */
  changed: boolean;
  /** What happened, for the inbox record and logs. */
  summary: string;
  /** The payment's operations still REQUESTED once it is applied; undefined when the ledger was not read. */
  openOperations?: number;
}

/** An order with its payment, as the lineage transaction that changes them holds them (managed by its `em`). */
export interface OrderWithPayment {
  order: Order;
  payment: Payment;
}

export interface LocatedPayment {
  paymentId: string;
  orderId: string;
  cartId: string;
}

export class PaymentStateService {
  /**
   * Applies `event` to the order and payment `tx` holds (read under its lock). What it does not apply it does
   * not write: a stale, conflicting or refused message leaves no trace but its inbox record (invariant 8).
   */
  async apply(tx: LineageTransaction, { order, payment }: OrderWithPayment, reported: PaymentStateEvent, cause: Cause, unreported?: UnreportedPolicy): Promise<ApplyResult> {
    const ignored = (why: string): ApplyResult => ({ changed: false, summary: `ignored: ${why}` });

    if (payment.gatewayPaymentId && payment.gatewayPaymentId !== reported.gatewayPaymentId) {
      return ignored(`gateway payment ${reported.gatewayPaymentId} is not ours (${payment.gatewayPaymentId})`);
    }
    if (reported.sequence < payment.gatewaySequence) return ignored(`stale (gateway sequence ${reported.sequence} < ${payment.gatewaySequence})`);

    // The captured and refunded amounts are the operations ledger's sums, with what this message reports in it.
    const ledger = unreported || needsLedger(payment, reported) ? await planLedger(tx, payment, reported, unreported) : null;
    const event = ledger ? { ...reported, amountCaptured: ledger.captured, amountRefunded: ledger.refunded } : reported;
    const ledgerNotes = ledger?.notes.length ? [`ledger: ${ledger.notes.join(', ')}`] : [];

    // A change of status the machine refuses (an authorised payment "going back" to pending when the same operation
    // arrives again with its pending flag still set) means the message is out of date: none of it is applied.
    const refusal = event.status === payment.status ? undefined : paymentMachine.refusal(payment.status, event.status, { verified: true });
    if (refusal) return ignored(`payment stays ${payment.status}: ${refusal}`);

    const changes = fieldChanges(payment, event);
    // A message of this payment was applied before (the gateway's id may be known earlier: from creating the payment).
    const known = payment.gatewayCurrency !== null;
    if (known && changes.length && event.sequence === payment.gatewaySequence && event.status === payment.status) {
      return ignored(`it says ${changes.join(', ')} for the same gateway sequence ${event.sequence} as the message already applied`);
    }
    if (known && event.currency !== payment.gatewayCurrency) return ignored(`the payment's currency cannot change (${payment.gatewayCurrency} -> ${event.currency})`);
    if (known && event.testMode !== payment.testMode) return ignored(`whether the payment is a test cannot change (test mode ${payment.testMode} -> ${event.testMode})`);
    // From here on the message is applied: its operations enter the ledger, and an anomaly it reports is flagged.
    ledger?.write();
    const anomaly = event.anomaly && !order.flags.includes(OrderFlag.GATEWAY_ANOMALY) ? [`flagged: ${event.anomaly}`] : [];
    if (anomaly.length) {
      // Audited as a row of the payment (its status may not change), so the order's history says what the gateway said.
      const flagged = { ...cause, detail: storableText([`flagged ${OrderFlag.GATEWAY_ANOMALY}: ${event.anomaly}`, cause.detail].filter(Boolean).join('; '), 500) };
      tx.amendPayment(order, payment, flagged);
      flag(tx, order, payment, OrderFlag.GATEWAY_ANOMALY, flagged);
    }
    if (event.status === payment.status && changes.length === 0) {
      if (event.sequence === payment.gatewaySequence) {
        return { changed: (ledger?.changed ?? false) || anomaly.length > 0, summary: [`no change: payment ${payment.status}, order ${order.status}`, ...ledgerNotes, ...anomaly].join('; '), openOperations: ledger?.open };
      }
      // Newer, and it says what we know: remember how far the gateway has got, so that an older message (a refusal
      // between two expiries, say) can no longer move the payment. The state is unchanged: nothing to audit or push.
      payment.gatewaySequence = event.sequence;
      return { changed: true, summary: [`confirmed: payment ${payment.status} at gateway sequence ${event.sequence}`, ...ledgerNotes, ...anomaly].join('; '), openOperations: ledger?.open };
    }

    const before = { status: payment.status, orderStatus: order.status, seq: order.statusSequence };
    payment.gatewayPaymentId = event.gatewayPaymentId;
    payment.gatewaySequence = event.sequence;
    payment.amountAuthorized = event.amountAuthorized;
    payment.amountCaptured = event.amountCaptured;
    payment.amountRefunded = event.amountRefunded;
    payment.fee = event.fee;
    payment.testMode = event.testMode;
    payment.gatewayCurrency = event.currency;
    // Every change is audited: what changed goes with the gateway's own description of the message.
    const audited = { ...cause, detail: [cause.detail, changes.length ? `changed: ${changes.join(', ')}` : null].filter(Boolean).join('; ') };
    if (event.status !== before.status) tx.tryTransitionPayment(order, payment, event.status, { verified: true }, audited); // allowed: checked above
    else tx.amendPayment(order, payment, audited);

    const notes = await this.settleOrder(tx, order, payment, cause);
    const moved = before.status !== payment.status || before.orderStatus !== order.status;
    const summary = moved
      ? `payment ${before.status} -> ${payment.status}, order ${before.orderStatus} -> ${order.status}`
      : `payment ${payment.status}, order ${order.status}: ${changes.join(', ')}`;
    return { changed: order.statusSequence !== before.seq, summary: [summary, ...ledgerNotes, ...anomaly, ...notes].join('; '), openOperations: ledger?.open };
  }

  /**
   * Ends a payment that never came (the reconciler asked the gateway to the end of its schedule, and the gateway's
   * latest answer was that it is not authorised): EXPIRED, then what that means for its order, the same way as when
   * the gateway itself says so (cancelled, cart reopened, gift cards released), and the order flagged so the shop
   * hears of it. Returns the record of what happened.
   */
  async expire(tx: LineageTransaction, { order, payment }: OrderWithPayment, cause: Cause): Promise<ApplyResult> {
    // The gateway's own answer, just asked, is what the expiry rests on: verified, like its other words.
    const refusal = tx.tryTransitionPayment(order, payment, PaymentStatus.EXPIRED, { verified: true }, cause);
    if (refusal) return { changed: false, summary: `not expired: ${refusal}` };
    const notes = await this.settleOrder(tx, order, payment, cause);
    if (order.status === OrderStatus.CANCELLED) flag(tx, order, payment, OrderFlag.PAYMENT_EXPIRED, cause);
    return { changed: true, summary: [`payment expired, order ${order.status}`, ...notes].join('; ') };
  }

  /** What the payment's new state means for its order, whichever channel brought it; returns notes for the record. */
  private async settleOrder(tx: LineageTransaction, order: Order, payment: Payment, cause: Cause): Promise<string[]> {
    const notes: string[] = [];
    const note = (refusal: string | undefined) => void (refusal && notes.push(`order stays ${order.status}: ${refusal}`));
    if (holdsMoney(payment)) {
      if (order.status === OrderStatus.PENDING_PAYMENT || order.status === OrderStatus.CANCELLED) note(makeReadyOrFlag(tx, order, payment, cause));
    } else if (PAID_STATUSES.has(payment.status)) {
      note(await settleRefundedInFull(tx, order, payment, cause));
    } else if (FAILED_STATUSES.has(payment.status) && order.status === OrderStatus.PENDING_PAYMENT) {
      note(await cancelOrder(tx, order, payment, cause));
    } else if (payment.status === PaymentStatus.CANCELLED && order.status === OrderStatus.READY) {
      flag(tx, order, payment, OrderFlag.PAYMENT_VOIDED, cause);
    }
    return notes;
  }
}

/** The fields a message would change, as "name old -> new" (the status is the machine's business). */
function fieldChanges(payment: Payment, event: PaymentStateEvent): string[] {
  const pairs: [string, unknown, unknown][] = [
    ['gateway payment', payment.gatewayPaymentId, event.gatewayPaymentId],
    ['authorised', payment.amountAuthorized, event.amountAuthorized],
    ['captured', payment.amountCaptured, event.amountCaptured],
    ['refunded', payment.amountRefunded, event.amountRefunded],
    ['fee', payment.fee, event.fee],
    ['currency', payment.gatewayCurrency, event.currency],
    ['test mode', payment.testMode, event.testMode],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([name, a, b]) => `${name} ${String(a)} -> ${String(b)}`);
}
