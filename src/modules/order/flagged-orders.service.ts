/**
 * The shop's decision on an order flagged for its attention whose payment is authorised (seed 003: an amount that
 * differs, a test card where test cards are not allowed): accept the payment as it is, and the order becomes ready
 * with everything that owes; or void the payment and cancel the order, reopening its cart. Either is audited with
 * the reason the shop gives, source BACK_OFFICE. Nothing is decided before the payment is authorised (seed 003:
 * payments cannot be handled until then).
 */
import { ConflictError, NotFoundError } from '../../errors/app-errors.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { holdsMoney } from '../payment/payment.machine.js';
import { checkReason } from '../shared/reason.js';
import type { LineageTransaction } from '../transition/lineage-transaction.js';
import { NO_LINEAGE, type TransitionService } from '../transition/transition.service.js';
import { OrderFlag, type Order } from './order.entity.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../outbox/outbox-message.entity.js';
import type { Payment } from '../payment/payment.entity.js';
import { cancelOrder, guardContext, makeReady, queueVoid } from './order-lifecycle.js';
import { OrderStatus } from './order.machine.js';

export class FlaggedOrderService {
  constructor(private readonly transitions: TransitionService) {}

  /**
   * READY with the payment as it is (CONFLICT unless a flagged order waits for payment with an authorised one). A
   * cancelled order whose late authorisation is queued to be voided may be accepted too, while its void has not
   * started: the void is taken back (its outbox row DONE, saying so), and the order becomes READY as placed,
   * whatever its cart holds now.
   */
  async accept(orderId: string, reason: string): Promise<{ order: Order; payment: Payment }> {
    const why = checkReason(reason);
    return this.decide(orderId, async (tx, order, payment) => {
      const cause = { trigger: 'backoffice.accept_payment', source: TransitionSource.BACK_OFFICE, detail: why };
      if (order.status === OrderStatus.CANCELLED) await takeBackVoid(tx, order, payment, why);
      const refusal = makeReady(tx, order, payment, { ...guardContext(tx, order, payment), shopDecides: true }, cause);
      if (refusal) throw new ConflictError(`order ${order.id} cannot be made ready: ${refusal}`, { orderId: order.id });
    }, true);
  }

  /** CANCELLED, its cart reopened, and the payment's void queued (the outbox's VOID_PAYMENT, as for a late authorisation). */
  async voidAndCancel(orderId: string, reason: string): Promise<{ order: Order; payment: Payment }> {
    const why = checkReason(reason);
    return this.decide(orderId, async (tx, order, payment) => {
      const cause = { trigger: 'backoffice.void_and_cancel', source: TransitionSource.BACK_OFFICE, detail: why };
      const refusal = await cancelOrder(tx, order, payment, cause, true);
      if (refusal) throw new ConflictError(`order ${order.id} cannot be cancelled: ${refusal}`, { orderId: order.id });
      queueVoid(tx, order, payment);
    });
  }

  /** Runs the decision in the order's lineage, after the checks both decisions share. */
  private async decide(
    orderId: string,
    act: (tx: LineageTransaction, order: Order, payment: Payment) => Promise<void>,
    /** A cancelled order flagged for a late authorisation may be decided (accepted) too. */
    mayBeCancelled = false,
  ): Promise<{ order: Order; payment: Payment }> {
    const result = await this.transitions.inLineageOf({ orderId }, async (tx) => {
      const { order, payment } = await tx.orderWithPayment();
      if (!holdsMoney(payment)) {
        throw new ConflictError(`the payment is ${payment.status}: nothing can be decided until it is authorised`, { orderId, reason: 'NOT_AUTHORIZED' });
      }
      const lateToVoid = order.status === OrderStatus.CANCELLED && order.flags.includes(OrderFlag.LATE_AUTHORIZATION_TO_VOID);
      if ((order.status !== OrderStatus.PENDING_PAYMENT || order.flags.length === 0) && !(lateToVoid && mayBeCancelled)) {
        throw new ConflictError(`order ${orderId} is ${order.status}${order.flags.length ? '' : ' and not flagged'}: only a flagged order waiting for its payment is decided by the shop`, {
          orderId,
          reason: 'NOT_FLAGGED_PENDING',
        });
      }
      await act(tx, order, payment);
      return { order, payment };
    });
    if (result === NO_LINEAGE) throw new NotFoundError('Order', orderId);
    return result;
  }
}

/**
 * Takes back the queued void of a late authorisation the shop accepts: only while no worker holds it (a void under
 * way may already have reached the gateway: CONFLICT `VOID_UNDER_WAY`). One that failed for good needs nothing.
 */
async function takeBackVoid(tx: LineageTransaction, order: Order, payment: Payment, why: string): Promise<void> {
  const dedupKey = `payment:${payment.id}:${OutboxTopic.VOID_PAYMENT}`;
  const free = { $or: [{ leaseOwner: null }, { leaseExpiresAt: { $lt: tx.now } }] };
  const taken = await tx.em.nativeUpdate(
    OutboxMessage,
    { dedupKey, status: OutboxStatus.PENDING, ...free },
    { status: OutboxStatus.DONE, doneAt: tx.now, leaseOwner: null, leaseExpiresAt: null, lastError: `taken back: the shop accepted the order (${why})` },
  );
  if (taken > 0) return;
  const row = await tx.em.findOne(OutboxMessage, { dedupKey });
  if (row?.status === OutboxStatus.PENDING) {
    throw new ConflictError(`the void of order ${order.id}'s payment is under way: wait for its outcome`, { orderId: order.id, reason: 'VOID_UNDER_WAY' });
  }
}
