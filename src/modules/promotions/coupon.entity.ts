import { defineEntity, p } from '@mikro-orm/core';

export enum CouponKind {
  /** `value` is a percentage of the subtotal (1..100). */
  PERCENT = 'PERCENT',
  /** `value` is an amount in minor units of `currency`. */
  AMOUNT = 'AMOUNT',
}

/**
 * A coupon code the back office hands out. Redeemed only when an order becomes ready (seed 003); a single-use code
 * applied to two pending orders is redeemed by both, and the second is flagged, never silently refused.
 */
export const CouponSchema = defineEntity({
  name: 'Coupon',
  tableName: 'coupons',
  properties: {
    code: p.string().length(64).primary(),
    kind: p.enum(() => CouponKind),
    value: p.bigint('number'),
    /** For AMOUNT coupons: the currency of `value`. */
    currency: p.string().length(3).nullable(),
    singleUse: p.boolean().default(false),
    active: p.boolean().default(true),
    /** How many orders have redeemed it. */
    redemptions: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class Coupon extends CouponSchema.class {}
CouponSchema.setClass(Coupon);
