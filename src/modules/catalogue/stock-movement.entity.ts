import { defineEntity, p } from '@mikro-orm/core';

/**
 * The stock ledger: every change of a product's stock, with what caused it. A sale is written once per order and
 * SKU (the unique key), in the transaction that also marks the side effect done, so a delivery repeated by a
 * crash or a second worker cannot move stock twice (invariant 3).
 */
export const StockMovementSchema = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movements',
  uniques: [{ properties: ['orderId', 'sku'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    sku: p.string().length(64).index(),
    orderId: p.string().length(36),
    /** Units added (positive) or taken (negative). */
    quantity: p.integer(),
    /** The product's stock right after this movement; below zero means the shop sold what it did not have. */
    stockAfter: p.integer(),
    at: p.datetime(),
  },
});
export class StockMovement extends StockMovementSchema.class {}
StockMovementSchema.setClass(StockMovement);
