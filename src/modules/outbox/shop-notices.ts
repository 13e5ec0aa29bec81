/**
 * What the shop is told by e-mail (NOTIFY_SHOP outbox rows): a flag on an order (written by `flag()` in
 * order-lifecycle.ts), or seed 003's "pending payment" notice (written by `queuePendingPaymentAlert`). Each row is
 * keyed per order and notice, so each notice is sent once per order however often it is queued.
 */
import { OrderFlag, type Order } from '../order/order.entity.js';
import type { LineageTransaction } from '../transition/lineage-transaction.js';
import { OutboxTopic } from './outbox-message.entity.js';

/** Seed 003's notice that an order's payment callback is missing. */
export const PENDING_PAYMENT_NOTICE = 'PENDING_PAYMENT';

/** The payload of a NOTIFY_SHOP row. */
export type ShopNotice = { orderId: string; flag: OrderFlag } | { orderId: string; alert: typeof PENDING_PAYMENT_NOTICE };

/**
 * Queues seed 003's "pending payment" e-mail to the shop for `order`, in the lineage transaction `tx` (delivered
 * after commit by the outbox, at least once, retried on failure, visible to the back office). Once per order:
 * queuing it again, in this or any later transaction, adds nothing.
 */
export function queuePendingPaymentAlert(tx: LineageTransaction, order: Order): void {
  const notice: ShopNotice = { orderId: order.id, alert: PENDING_PAYMENT_NOTICE };
  tx.addOutbox(OutboxTopic.NOTIFY_SHOP, `order:${order.id}:${PENDING_PAYMENT_NOTICE}`, order.id, notice);
}

/** Reads a NOTIFY_SHOP payload; throws for one this version does not know (the row then fails, visibly). */
export function readShopNotice(payload: Record<string, unknown>): ShopNotice {
  const orderId = payload.orderId;
  if (typeof orderId === 'string') {
    if (payload.alert === PENDING_PAYMENT_NOTICE) return { orderId, alert: PENDING_PAYMENT_NOTICE };
    if (typeof payload.flag === 'string' && (Object.values(OrderFlag) as string[]).includes(payload.flag)) return { orderId, flag: payload.flag as OrderFlag };
  }
  throw new Error(`not a shop notice this service knows: ${JSON.stringify(payload).slice(0, 200)}`);
}
