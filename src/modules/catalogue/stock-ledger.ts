/**
 * Stock leaves the shelf when an order becomes ready (seed 003), once: one ledger row per order and SKU, written
 * with the stock change in the transaction that marks the side effect done. A line that takes stock below zero is
 * still booked (the goods were sold) and the order is flagged for the shop.
 */
import { OrderFlag } from '../order/order.entity.js';
import { flag } from '../order/order-lifecycle.js';
import type { EffectTarget } from '../outbox/outbox-handler.js';
import type { Cause, LineageTransaction } from '../transition/lineage-transaction.js';
import { StockMovement } from './stock-movement.entity.js';

export interface StockLine {
  sku: string;
  quantity: number;
}

/** Takes `lines` out of stock for `target.order`; lines already booked for it are left alone. */
export async function takeStock(tx: LineageTransaction, { order, payment }: EffectTarget, lines: readonly StockLine[], cause: Cause): Promise<void> {
  const booked = new Set((await tx.em.find(StockMovement, { orderId: order.id }, { fields: ['sku'] })).map((m) => m.sku));
  let short = false;
  for (const line of lines) {
    if (booked.has(line.sku)) continue;
    // One statement per line: the decrement is atomic whatever other orders of the same product do meanwhile.
    const [row] = await tx.em
      .getConnection()
      .execute<{ stock_on_hand: number }[]>('update products set stock_on_hand = stock_on_hand - ? where sku = ? returning stock_on_hand', [line.quantity, line.sku], 'all', tx.em.getTransactionContext());
    if (!row) throw new Error(`product ${line.sku} of order ${order.id} no longer exists`);
    const stockAfter = Number(row.stock_on_hand);
    tx.em.create(StockMovement, { sku: line.sku, orderId: order.id, quantity: -line.quantity, stockAfter, at: tx.now });
    short ||= stockAfter < 0;
  }
  if (short) flag(tx, order, payment, OrderFlag.OUT_OF_STOCK, cause);
}
