/**
 * The back office's view of orders waiting for their payment (seed 003: "pending – payment pending"): how long each
 * has waited, what the gateway last answered when asked, when it is asked next; and what the shop can do about one:
 * ask the gateway now, or stop chasing it (resolved by hand, with a reason, audited).
 */
import type { Orm } from '../../db/orm.js';
import { ConflictError, NotFoundError } from '../../errors/app-errors.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { Order } from '../order/order.entity.js';
import { OrderStatus } from '../order/order.machine.js';
import { Payment } from '../payment/payment.entity.js';
import { checkReason } from '../shared/reason.js';
import type { TransitionService } from '../transition/transition.service.js';
import type { PaymentReconciler, ReconcileResult } from './reconciler.js';

export interface PendingPayment {
  order: Order;
  payment: Payment;
}

export class PendingPaymentsService {
  constructor(
    private readonly orm: Orm,
    private readonly transitions: TransitionService,
    private readonly reconciler: PaymentReconciler,
  ) {}

  /** Orders still waiting for their payment, longest-waiting first. */
  async list(limit: number): Promise<PendingPayment[]> {
    const em = this.orm.em.fork();
    const orders = await em.find(Order, { status: OrderStatus.PENDING_PAYMENT }, { orderBy: { placedAt: 'asc', id: 'asc' }, limit });
    const payments = orders.length ? await em.find(Payment, { orderId: { $in: orders.map((o) => o.id) } }) : [];
    const byOrder = new Map(payments.map((p) => [p.orderId, p]));
    return orders.map((order) => ({ order, payment: byOrder.get(order.id)! }));
  }

  /** Asks the gateway about the order's payment now and applies the answer. */
  async reconcileNow(orderId: string): Promise<ReconcileResult> {
    const payment = await this.orm.em.fork().findOne(Payment, { orderId });
    if (!payment) throw new NotFoundError('Order', orderId);
    return this.reconciler.reconcileNow(payment.id);
  }

  /** Stops chasing the order's payment (the shop settled it another way); audited with the reason. */
  async resolveByHand(orderId: string, reason: string): Promise<PendingPayment> {
    const why = checkReason(reason);
    const found = await this.orm.em.fork().findOne(Order, { id: orderId }, { fields: ['cartId'] });
    if (!found) throw new NotFoundError('Order', orderId);
    return this.transitions.inLineage(found.cartId, async (tx) => {
      const order = await tx.em.findOneOrFail(Order, { id: orderId });
      const payment = await tx.em.findOneOrFail(Payment, { orderId });
      if (order.status !== OrderStatus.PENDING_PAYMENT || payment.reconcileAt === null) {
        throw new ConflictError(`the payment of order ${orderId} is not being chased (order ${order.status})`, { orderId });
      }
      payment.reconcileAt = null;
      tx.amendPayment(order, payment, { trigger: 'pending.resolved-by-hand', source: TransitionSource.BACK_OFFICE, detail: `changed: no longer asked at the gateway: ${why}` });
      return { order, payment };
    });
  }
}
