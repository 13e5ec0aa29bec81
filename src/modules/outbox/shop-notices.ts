/**
 * What the shop is told by e-mail about a flag (NOTIFY_SHOP outbox rows, written by `flag()` in
 * order-lifecycle.ts, keyed per order and flag, so each flag is told once per order).
 */
import { OrderFlag } from '../order/order.entity.js';

/** The payload of a NOTIFY_SHOP row. */
export interface ShopNotice {
  orderId: string;
  flag: OrderFlag;
}

/** Reads a NOTIFY_SHOP payload; throws for one this version does not know (the row then fails, visibly). */
export function readShopNotice(payload: Record<string, unknown>): ShopNotice {
  const { orderId, flag } = payload;
  if (typeof orderId === 'string' && typeof flag === 'string' && (Object.values(OrderFlag) as string[]).includes(flag)) return { orderId, flag: flag as OrderFlag };
  throw new Error(`not a shop notice this service knows: ${JSON.stringify(payload).slice(0, 200)}`);
}
