/** Reads orders for the storefront (with the order's token) and the back office (with the admin key). */
import { sql } from 'kysely';
import type { Orm } from '../../db/orm.js';
import { ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import type { OrderAccess } from '../access/order-access.js';
import { StatusTransition, TransitionSource } from '../audit/status-transition.entity.js';
import { Payment } from '../payment/payment.entity.js';
import type { PaymentStatus } from '../payment/payment.machine.js';
import type { PaymentStatusChange } from '../transition/status-change.js';
import { Order, type OrderFlag } from './order.entity.js';
import type { OrderStatus } from './order.machine.js';

export interface OrderWithPayment {
  order: Order;
  payment: Payment;
}

/** One row of the current-status statement, as the drivers return it (SQLite: JSON as text, dates as numbers). */
interface CurrentStatusRow {
  access_token: string;
  order_status: OrderStatus;
  status_sequence: number | string;
  flags: OrderFlag[] | string;
  placed_at: Date | number | string;
  payment_status: PaymentStatus;
  changed_at: Date | number | string | null;
  trigger: string | null;
  source: TransitionSource | null;
}

function toDate(value: Date | number | string): Date {
  return value instanceof Date ? value : new Date(value);
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

  async transitions(orderId: string): Promise<StatusTransition[]> {
    return this.orm.em.fork().find(StatusTransition, { orderId }, { orderBy: { id: 'asc' } });
  }

  /**
   * The current state in the shape of a pushed change: the first thing a subscriber receives. Read in one SQL
   * statement (order, payment and the latest audit row), so it is one committed state even while transitions
   * commit around it; separate reads could pair an order from before a commit with a payment from after it.
   * Throws NOT_FOUND for an unknown order and FORBIDDEN when `access` may not read it.
   */
  async currentStatus(orderId: string, access: OrderAccess): Promise<PaymentStatusChange> {
    const { rows } = await sql<CurrentStatusRow>`
      select o.access_token, o.status as order_status, o.status_sequence, o.flags, o.placed_at,
             p.status as payment_status, t.at as changed_at, t.trigger, t.source
        from orders o
        join payments p on p.order_id = o.id
        left join status_transitions t on t.id = (select max(l.id) from status_transitions l where l.order_id = o.id)
       where o.id = ${orderId}`.execute(this.orm.em.fork().getKysely());
    const row = rows[0];
    if (!row) throw new NotFoundError('Order', orderId);
    if (!access.mayRead({ accessToken: row.access_token })) throw new ForbiddenError('this token does not give access to the order');
    return {
      orderId,
      orderStatus: row.order_status,
      paymentStatus: row.payment_status,
      sequence: Number(row.status_sequence),
      changedAt: toDate(row.changed_at ?? row.placed_at).toISOString(),
      trigger: row.trigger ?? 'checkout',
      // Every order has audit rows from its checkout on; the fallback only keeps the type honest.
      source: row.source ?? TransitionSource.STOREFRONT,
      flags: typeof row.flags === 'string' ? (JSON.parse(row.flags) as OrderFlag[]) : [...row.flags],
    };
  }
}
