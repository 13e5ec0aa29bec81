import { defineEntity, p } from '@mikro-orm/core';

/**
 * A coupon redeemed by an order that became ready, once per coupon and order (the unique key makes a repeated
 * delivery a no-op). `alreadyUsed`: a single-use coupon another order had redeemed first (seed 003: redeemed anyway,
 * the order gets a note line and a flag, the discount stands).
 */
export const CouponRedemptionSchema = defineEntity({
  name: 'CouponRedemption',
  tableName: 'coupon_redemptions',
  uniques: [{ properties: ['couponCode', 'orderId'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    couponCode: p.string().length(64).index(),
    orderId: p.string().length(36),
    alreadyUsed: p.boolean(),
    at: p.datetime(),
  },
});
export class CouponRedemption extends CouponRedemptionSchema.class {}
CouponRedemptionSchema.setClass(CouponRedemption);

/** What an order that became ready took from a gift card, once per card and order. */
export const GiftCardRedemptionSchema = defineEntity({
  name: 'GiftCardRedemption',
  tableName: 'gift_card_redemptions',
  uniques: [{ properties: ['giftCardCode', 'orderId'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    giftCardCode: p.string().length(64).index(),
    orderId: p.string().length(36),
    /** What the order was to take (its applied amount). */
    amount: p.bigint('number'),
    /** What the card still held and gave: less than `amount` only when it was unlocked by hand and used meanwhile. */
    taken: p.bigint('number'),
    at: p.datetime(),
  },
});
export class GiftCardRedemption extends GiftCardRedemptionSchema.class {}
GiftCardRedemptionSchema.setClass(GiftCardRedemption);
