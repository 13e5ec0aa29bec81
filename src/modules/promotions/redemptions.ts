/**
 * Coupons and gift cards are redeemed when an order becomes ready (seed 003), once per code and order (unique
 * redemption rows, written in the transaction that marks the side effect done).
 */
import { OrderFlag, OrderLineKind, type AppliedGiftCard } from '../order/order.entity.js';
import { flag } from '../order/order-lifecycle.js';
import type { EffectTarget } from '../outbox/outbox-handler.js';
import type { Cause, LineageTransaction } from '../transition/lineage-transaction.js';
import { GiftCard } from './gift-card.entity.js';
import { CouponRedemption, GiftCardRedemption } from './redemption.entities.js';

/** Seed 003's words for the order line of a single-use coupon another order redeemed first. */
export const COUPON_ALREADY_USED_LINE = 'Invalid coupon. Code already used in different order.';

/**
 * Redeems each coupon of the order. A single-use coupon another order redeemed while this one was pending is
 * redeemed anyway: the order gets the seed's note line and the COUPON_ALREADY_USED flag, and keeps its discount.
 */
export async function redeemCoupons(tx: LineageTransaction, { order, payment }: EffectTarget, codes: readonly string[], cause: Cause): Promise<void> {
  const done = new Set((await tx.em.find(CouponRedemption, { orderId: order.id }, { fields: ['couponCode'] })).map((r) => r.couponCode));
  for (const code of codes) {
    if (done.has(code)) continue;
    const [row] = await tx.em
      .getConnection()
      .execute<{ redemptions: number; single_use: number | boolean }[]>('update coupons set redemptions = redemptions + 1 where code = ? returning redemptions, single_use', [code], 'all', tx.em.getTransactionContext());
    if (!row) throw new Error(`coupon ${code} of order ${order.id} no longer exists`);
    const alreadyUsed = Boolean(row.single_use) && Number(row.redemptions) > 1;
    tx.em.create(CouponRedemption, { couponCode: code, orderId: order.id, alreadyUsed, at: tx.now });
    if (alreadyUsed) {
      order.lines = [...order.lines, { sku: code, name: COUPON_ALREADY_USED_LINE, unitPrice: 0, quantity: 0, lineTotal: 0, kind: OrderLineKind.NOTE }];
      flag(tx, order, payment, OrderFlag.COUPON_ALREADY_USED, cause);
    }
  }
}

/**
 * Takes from each gift card what the order applied, and releases the card's lock when this order holds it. A card
 * that holds less (unlocked by hand and used meanwhile) gives what it has, and the order is flagged.
 */
export async function redeemGiftCards(tx: LineageTransaction, { order, payment }: EffectTarget, applied: readonly AppliedGiftCard[], cause: Cause): Promise<void> {
  const done = new Set((await tx.em.find(GiftCardRedemption, { orderId: order.id }, { fields: ['giftCardCode'] })).map((r) => r.giftCardCode));
  for (const { code, amount } of applied) {
    if (done.has(code)) continue;
    const card = await tx.em.findOne(GiftCard, { code });
    if (!card) throw new Error(`gift card ${code} of order ${order.id} no longer exists`);
    const taken = Math.min(amount, card.balance);
    card.balance -= taken;
    if (card.lockedByOrderId === order.id) {
      card.lockedByOrderId = null;
      card.lockedAmount = 0;
    }
    tx.em.create(GiftCardRedemption, { giftCardCode: code, orderId: order.id, amount, taken, at: tx.now });
    if (taken < amount) flag(tx, order, payment, OrderFlag.GIFT_CARD_SHORT, cause);
  }
}
