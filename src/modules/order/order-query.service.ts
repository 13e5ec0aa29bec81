/** Reads orders for the storefront (with the order's token) and the back office (with the admin key). */
import type { Orm } from '../../db/orm.js';
import { ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import type { OrderAccess } from '../access/order-access.js';
import { StatusTransition } from '../audit/status-transition.entity.js';
import { Payment } from '../payment/payment.entity.js';
import type { PaymentStatusChange } from '../transition/status-change.js';
import { Order } from './order.entity.js';
import type { OrderStatus } from './order.machine.js';

export interface OrderWithPayment {
  order: Order;
  payment: Payment;
}

export class OrderQueryService {
  constructor(private readonly orm: Orm) {}

  async get(orderId: string, access: OrderAccess): Promise<OrderWithPayment> {
    const em = this.orm.em.fork();
    const order = await em.findOne(Order, { id: orderId });
    if (!order) throw new NotFoundError('Order', orderId);
    // The same answer for "no such order" and "not yours" would hide existence, but storefronts need to tell a
    // wrong token from a wrong id; order ids are random UUIDs, so existence leaks nothing useful.
    if (!access.mayRead(order)) throw new ForbiddenError('this token does not give access to the order');
    return { order, payment: await em.findOneOrFail(Payment, { orderId }) };
  }

  async list(access: OrderAccess, status: OrderStatus | null, limit: number, offset: number): Promise<OrderWithPayment[]> {
    access.requireAdmin();
    const em = this.orm.em.fork();
    const orders = await em.find(Order, status ? { status } : {}, { orderBy: { placedAt: 'desc', id: 'asc' }, limit, offset });
    const payments = orders.length ? await em.find(Payment, { orderId: { $in: orders.map((o) => o.id) } }) : [];
    return orders.map((order) => ({ order, payment: payments.find((p) => p.orderId === order.id)! }));
  }

  async transitions(orderId: string): Promise<StatusTransition[]> {
    return this.orm.em.fork().find(StatusTransition, { orderId }, { orderBy: { id: 'asc' } });
  }

  /** The current state in the shape of a pushed change: the first thing a subscriber receives. */
  async currentStatus(orderId: string, access: OrderAccess): Promise<PaymentStatusChange> {
    const { order, payment } = await this.get(orderId, access);
    const last = await this.orm.em.fork().findOne(StatusTransition, { orderId }, { orderBy: { id: 'desc' } });
    return {
      orderId,
      orderStatus: order.status,
      paymentStatus: payment.status,
      sequence: order.statusSequence,
      changedAt: (last?.at ?? order.placedAt).toISOString(),
      trigger: last?.trigger ?? 'checkout',
      source: last!.source,
      flags: [...order.flags],
    };
  }
}
