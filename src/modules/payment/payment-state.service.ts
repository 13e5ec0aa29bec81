/**
 * Applies the gateway's verified word about a payment (a notification, or the gateway's answer to the reconciler)
 * and what follows for its order. Stale words never move a payment backwards (invariant 4); an authorisation of
 * the wrong amount is flagged, not accepted (invariant 6); a late one revives its order or is voided (invariant 5).
 */
import type { Orm } from '../../db/orm.js';
import type { GatewayName, PaymentStateEvent } from '../../gateways/gateway.js';
import { Order, OrderFlag } from '../order/order.entity.js';
import { OrderStatus } from '../order/order.machine.js';
import { cancelOrder, flag, makeReadyOrFlag } from '../order/order-lifecycle.js';
import type { Cause, LineageTransaction } from '../transition/lineage-transaction.js';
import { Payment } from './payment.entity.js';
import { PAID_STATUSES, PaymentStatus, paymentMachine } from './payment.machine.js';

/** Statuses that end an attempt without money. */
const FAILED_STATUSES: ReadonlySet<PaymentStatus> = new Set([PaymentStatus.REFUSED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED]);

export interface ApplyResult {
  /** Whether anything was written. */
  changed: boolean;
  /** What happened, for the inbox record and logs. */
  summary: string;
}

export interface LocatedPayment {
  paymentId: string;
  orderId: string;
  cartId: string;
}

export class PaymentStateService {
  constructor(
    private readonly orm: Orm,
    private readonly allowTestMode: (gateway: GatewayName) => boolean,
  ) {}

  /** Finds the lineage a gateway reference belongs to (outside any lock: these links never change). */
  async locate(gateway: GatewayName, reference: string): Promise<LocatedPayment | null> {
    const rows = await this.orm.em
      .getConnection()
      .execute<{ payment_id: string; order_id: string; cart_id: string }[]>(
        'select p.id as payment_id, p.order_id, o.cart_id from payments p join orders o on o.id = p.order_id where p.gateway = ? and p.reference = ?',
        [gateway, reference],
      );
    const row = rows[0];
    return row ? { paymentId: row.payment_id, orderId: row.order_id, cartId: row.cart_id } : null;
  }

  /** Applies `event` inside the lineage transaction `tx` (the caller holds the lock). */
  async apply(tx: LineageTransaction, at: LocatedPayment, event: PaymentStateEvent, cause: Cause): Promise<ApplyResult> {
    const payment = await tx.em.findOneOrFail(Payment, { id: at.paymentId });
    const order = await tx.em.findOneOrFail(Order, { id: at.orderId });
    const notes: string[] = [];

    if (payment.gatewayPaymentId && payment.gatewayPaymentId !== event.gatewayPaymentId) {
      return { changed: false, summary: `ignored: gateway payment ${event.gatewayPaymentId} is not ours (${payment.gatewayPaymentId})` };
    }
    if (event.sequence < payment.gatewaySequence) {
      return { changed: false, summary: `ignored: stale (gateway sequence ${event.sequence} < ${payment.gatewaySequence})` };
    }

    // A change of status the machine refuses (an authorised payment "going back" to pending when the same operation
    // arrives again with its pending flag still set) means the message is out of date: none of it is applied.
    const refusal = event.status === payment.status ? undefined : paymentMachine.refusal(payment.status, event.status, { verified: true });
    if (refusal) return { changed: false, summary: `ignored: payment stays ${payment.status}: ${refusal}` };

    const before = { status: payment.status, orderStatus: order.status, seq: order.statusSequence };
    const amountsChanged =
      payment.amountAuthorized !== event.amountAuthorized ||
      payment.amountCaptured !== event.amountCaptured ||
      payment.amountRefunded !== event.amountRefunded;
    payment.gatewayPaymentId = event.gatewayPaymentId;
    payment.gatewaySequence = event.sequence;
    payment.amountAuthorized = event.amountAuthorized;
    payment.amountCaptured = event.amountCaptured;
    payment.amountRefunded = event.amountRefunded;
    payment.fee = event.fee;
    payment.testMode = event.testMode;
    payment.gatewayCurrency = event.currency;

    if (event.status !== payment.status || (amountsChanged && paymentMachine.next(payment.status).includes(payment.status))) {
      // Allowed (checked above); a self-edge records a further partial capture or refund.
      tx.tryTransitionPayment(order, payment, event.status, { verified: true }, cause);
    } else if (amountsChanged) {
      tx.touch(order, payment, cause);
    }

    const allowTest = this.allowTestMode(payment.gateway);
    if (PAID_STATUSES.has(payment.status) && (order.status === OrderStatus.PENDING_PAYMENT || order.status === OrderStatus.CANCELLED)) {
      const notReady = makeReadyOrFlag(tx, order, payment, allowTest, cause);
      if (notReady) notes.push(`order stays ${order.status}: ${notReady}`);
    } else if (FAILED_STATUSES.has(payment.status) && order.status === OrderStatus.PENDING_PAYMENT) {
      const notCancelled = await cancelOrder(tx, order, payment, allowTest, cause);
      if (notCancelled) notes.push(`order stays ${order.status}: ${notCancelled}`);
    } else if (payment.status === PaymentStatus.CANCELLED && order.status === OrderStatus.READY) {
      flag(tx, order, payment, OrderFlag.PAYMENT_VOIDED, cause);
    }

    const changed = order.statusSequence !== before.seq;
    const moved = before.status !== payment.status || before.orderStatus !== order.status;
    const summary = moved
      ? `payment ${before.status} -> ${payment.status}, order ${before.orderStatus} -> ${order.status}`
      : changed
        ? `payment ${payment.status}, order ${order.status}: amounts or flags updated`
        : `no change: payment ${payment.status}, order ${order.status}`;
    return { changed, summary: [summary, ...notes].join('; ') };
  }
}
