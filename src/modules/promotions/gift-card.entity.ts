import { defineEntity, p } from '@mikro-orm/core';

/**
 * A gift card. While an order that uses it waits for payment it is locked to that order (seed 003): no other order
 * can use it; the lock is released if the order is cancelled and turned into a redemption when it becomes ready.
 */
export const GiftCardSchema = defineEntity({
  name: 'GiftCard',
  tableName: 'gift_cards',
  properties: {
    code: p.string().length(64).primary(),
    currency: p.string().length(3),
    /** Remaining balance in minor units. */
    balance: p.bigint('number'),
    /** The pending order holding the card, if any. */
    lockedByOrderId: p.string().length(36).nullable(),
    /** The amount the locking order will take from it. */
    lockedAmount: p.bigint('number').default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class GiftCard extends GiftCardSchema.class {}
GiftCardSchema.setClass(GiftCard);
