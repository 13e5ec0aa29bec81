import { defineEntity, p } from '@mikro-orm/core';
import { OrderStatus } from './order.machine.js';

/** What an order line is: a product bought, or a note the shop added (seed 003's coupon line). */
export enum OrderLineKind {
  PRODUCT = 'PRODUCT',
  NOTE = 'NOTE',
}

/** A line of the order's snapshot: the price is frozen at checkout. */
export interface OrderLineData {
  sku: string;
  name: string;
  unitPrice: number;
  quantity: number;
  lineTotal: number;
  /** Absent on product lines (every line placed at checkout). */
  kind?: OrderLineKind;
}

/** A gift card applied to the order and the amount it covers. */
export interface AppliedGiftCard {
  code: string;
  amount: number;
}

/** Why an order needs the shop's attention. */
export enum OrderFlag {
  /** A verified authorisation whose amount or currency differs from the order's (invariant 6). */
  AMOUNT_MISMATCH = 'AMOUNT_MISMATCH',
  /** A test-card payment while test payments are not allowed (seed 003). */
  TEST_PAYMENT_REFUSED = 'TEST_PAYMENT_REFUSED',
  /** An authorisation arrived after the order was cancelled and its cart had moved on: it must be voided (invariant 5). */
  LATE_AUTHORIZATION_TO_VOID = 'LATE_AUTHORIZATION_TO_VOID',
  /** The payment of a ready order was voided at the gateway: the order must not ship unpaid. */
  PAYMENT_VOIDED = 'PAYMENT_VOIDED',
  /** The payment was refunded in full: a ready order must not ship; a pending one was never made ready. */
  PAYMENT_REFUNDED = 'PAYMENT_REFUNDED',
  /** A single-use coupon was already redeemed by another order when this one became ready (seed 003). */
  COUPON_ALREADY_USED = 'COUPON_ALREADY_USED',
  /** A line took a product's stock below zero when the order became ready: the goods may not be there. */
  OUT_OF_STOCK = 'OUT_OF_STOCK',
  /** A gift card held less than the order took from it (it was unlocked by hand and used meanwhile). */
  GIFT_CARD_SHORT = 'GIFT_CARD_SHORT',
  /** No payment came: the reconciler asked the gateway to the end of its schedule, and the payment expired. */
  PAYMENT_EXPIRED = 'PAYMENT_EXPIRED',
  /** A verified notification about this order's payment could not be applied (see the inbox): look at it by hand. */
  NOTIFICATION_NOT_APPLIED = 'NOTIFICATION_NOT_APPLIED',
  /** The gateway reports an anomaly of the payment that is no status of ours (Lyra: its capture failed or is suspended). */
  GATEWAY_ANOMALY = 'GATEWAY_ANOMALY',
  /**
   * The void of this order's late authorisation failed for good (see the outbox row's last error): the money is
   * still held at the gateway; void or refund it by hand (invariant 5).
   */
  VOID_FAILED = 'VOID_FAILED',
}

/**
 * A placed cart: an immutable snapshot of lines, custom fields and totals (minor units, ISO 4217 currency), with
 * its lifecycle status. Placed (`placedAt`, the seeds' "approved" date) is not ready (`readyAt`, the export date).
 */
export const OrderSchema = defineEntity({
  name: 'Order',
  tableName: 'orders',
  uniques: [{ properties: ['cartId', 'idempotencyKey'] }],
  properties: {
    id: p.string().length(36).primary(),
    cartId: p.string().length(36).index(),
    /** The cart revision this order was placed from; revival after a cancel needs it unchanged (invariant 5). */
    cartRevision: p.integer(),
    idempotencyKey: p.string().length(100),
    /** Where the confirmation e-mail goes; null when the storefront gave none (then no confirmation is owed). */
    customerEmail: p.string().length(254).nullable(),
    status: p.enum(() => OrderStatus),
    /**
     * The bearer token that lets a storefront read and watch this order. Kept as is (like a session id) so that an
     * idempotent repeat of the checkout can hand back the same token.
     */
    accessToken: p.string().length(64),
    currency: p.string().length(3),
    lines: p.json<OrderLineData[]>(),
    customFields: p.json<Record<string, string>>(),
    couponCodes: p.json<string[]>(),
    giftCards: p.json<AppliedGiftCard[]>(),
    subtotal: p.bigint('number'),
    discountTotal: p.bigint('number'),
    giftCardTotal: p.bigint('number'),
    /** What the shopper pays at the gateway. */
    total: p.bigint('number'),
    flags: p.json<OrderFlag[]>(),
    /** Bumped by every change of the order or its payments; subscribers use it to drop stale pushes. */
    statusSequence: p.integer().default(0),
    placedAt: p.datetime(),
    readyAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
  },
});
export class Order extends OrderSchema.class {}
OrderSchema.setClass(Order);
