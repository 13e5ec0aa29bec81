import { defineEntity, p } from '@mikro-orm/core';
import { CartStatus } from './cart.machine.js';

/** One line of a cart: what the shopper wants, never its price (prices come from the catalogue at checkout). */
export interface CartLineData {
  sku: string;
  quantity: number;
}

/**
 * The shopper's basket, and the root of its lineage: every order placed from it points back here, and a
 * cancelled order reopens this same cart rather than making a new one (invariant 1). Its row is the lock that
 * serialises everything that happens to the lineage.
 */
export const CartSchema = defineEntity({
  name: 'Cart',
  tableName: 'carts',
  properties: {
    id: p.string().length(36).primary(),
    status: p.enum(() => CartStatus),
    currency: p.string().length(3),
    lines: p.json<CartLineData[]>(),
    customFields: p.json<Record<string, string>>(),
    couponCodes: p.json<string[]>(),
    giftCardCodes: p.json<string[]>(),
    /** Bumped by every edit of the contents; an order remembers the revision it was placed from. */
    revision: p.integer().default(0),
    /** The order most recently placed from this cart. */
    currentOrderId: p.string().length(36).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export class Cart extends CartSchema.class {}
CartSchema.setClass(Cart);
