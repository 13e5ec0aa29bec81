/**
 * What happens to an order when its payment's fate is known, shared by every channel (redirect, notification,
 * reconciler), so each channel reaches the same result whichever comes first.
 */
import { GiftCard } from '../promotions/gift-card.entity.js';
import { CartStatus } from '../cart/cart.machine.js';
import { OutboxTopic } from '../outbox/outbox-message.entity.js';
import { holdsMoney } from '../payment/payment.machine.js';
import type { Payment } from '../payment/payment.entity.js';
import type { Cause, LineageTransaction } from '../transition/lineage-transaction.js';
import { OrderFlag, OrderLineKind, type Order } from './order.entity.js';
import { OrderStatus, type OrderGuardContext } from './order.machine.js';

/** The cart still holds what `order` was placed from, and nothing was placed from it since (invariant 5). */
export function cartUntouchedSince(tx: LineageTransaction, order: Order): boolean {
  const cart = tx.cart;
  return cart.status === CartStatus.OPEN && cart.currentOrderId === order.id && cart.revision === order.cartRevision;
}

export function guardContext(tx: LineageTransaction, order: Order, payment: Payment): OrderGuardContext {
  return {
    paymentAuthorized: holdsMoney(payment),
    amountMatches: payment.amountAuthorized === expectedAuthorisation(order, payment) && payment.gatewayCurrency === order.currency,
    // The payment method's rule as it was at checkout (seed 003: test cards allowed or not).
    testPaymentRefused: payment.testMode && !payment.testCardsAllowed,
    // Asked only when a cancelled order would revive: the cart is not read for anything else.
    get cartUntouched() {
      return cartUntouchedSince(tx, order);
    },
  };
}

/**
 * What the gateway should authorise for an order (invariant 6): its total, plus the fee the gateway reports adding
 * when the payment method lets it add one (seed 003, QuickPay autofee). A fee on a method that does not allow one
 * makes the authorisation differ from the total: a mismatch like any other.
 */
export function expectedAuthorisation(order: Order, payment: Payment): number {
  return order.total + (payment.gatewayFeeAllowed ? payment.fee : 0);
}

/**
 * Cancels a pending order: reopens its own cart (never a new one: invariant 1) and releases its gift cards.
 * Returns the refusal reason when the order cannot be cancelled (already ready or cancelled).
 */
export async function cancelOrder(tx: LineageTransaction, order: Order, payment: Payment, cause: Cause, shopDecides = false): Promise<string | undefined> {
  const refusal = tx.tryTransitionOrder(order, payment, OrderStatus.CANCELLED, { ...guardContext(tx, order, payment), shopDecides }, cause);
  if (refusal) return refusal;
  order.cancelledAt = tx.now;
  if (tx.cart.currentOrderId === order.id && tx.cart.status === CartStatus.CHECKED_OUT) tx.transitionCart(CartStatus.OPEN, cause);
  await releaseGiftCards(tx, order);
  return undefined;
}

/**
 * Makes an order ready when its guard allows (verified authorisation, right amount and currency, test policy, and
 * for a cancelled order an untouched cart). Side effects are written to the outbox, keyed by order, so they happen
 * once however many messages say so (invariant 3). When refused, the reason becomes a flag for the shop; and money
 * authorised for an order that stays cancelled, whatever the reason, is queued to be voided (invariant 5). A
 * pending order keeps its authorisation for the shop to decide (seed 003: a test-card order stays "approved").
 */
export function makeReadyOrFlag(tx: LineageTransaction, order: Order, payment: Payment, cause: Cause): string | undefined {
  const ctx = guardContext(tx, order, payment);
  const wasCancelled = order.status === OrderStatus.CANCELLED;
  const refusal = makeReady(tx, order, payment, ctx, cause);
  if (!refusal) return undefined;
  if (!ctx.paymentAuthorized) return refusal;
  if (!ctx.amountMatches) flag(tx, order, payment, OrderFlag.AMOUNT_MISMATCH, cause);
  else if (ctx.testPaymentRefused) flag(tx, order, payment, OrderFlag.TEST_PAYMENT_REFUSED, cause);
  if (wasCancelled) {
    flag(tx, order, payment, OrderFlag.LATE_AUTHORIZATION_TO_VOID, cause);
    queueVoid(tx, order, payment);
  }
  return refusal;
}

/** Moves the order to READY when `ctx` allows, with everything READY owes (outbox); returns the refusal otherwise. */
export function makeReady(tx: LineageTransaction, order: Order, payment: Payment, ctx: OrderGuardContext, cause: Cause): string | undefined {
  const wasCancelled = order.status === OrderStatus.CANCELLED;
  const refusal = tx.tryTransitionOrder(order, payment, OrderStatus.READY, ctx, cause);
  if (refusal) return refusal;
  order.readyAt = tx.now;
  if (wasCancelled) {
    order.cancelledAt = null;
    // Revival: the cart goes back to being this order's frozen snapshot. A cart that moved on (only the shop's
    // decision makes such an order ready) stays as the shopper left it: the order is its own snapshot.
    if (cartUntouchedSince(tx, order)) tx.transitionCart(CartStatus.CHECKED_OUT, cause);
  }
  writeReadyEffects(tx, order);
  return undefined;
}

/** Queues the void of the money `payment` holds (invariant 5), once per payment. */
export function queueVoid(tx: LineageTransaction, order: Order, payment: Payment): void {
  tx.addOutbox(OutboxTopic.VOID_PAYMENT, `payment:${payment.id}`, order.id, {
    paymentId: payment.id,
    gateway: payment.gateway,
    gatewayPaymentId: payment.gatewayPaymentId,
  });
}

/**
 * The payment's money all went back (refunded in full). A pending order is never made ready: it is cancelled and
 * its cart reopened; a ready one must not ship; a cancelled one owes nothing, but the money that moved for it is
 * still made visible (invariant 5). Each is flagged `PAYMENT_REFUNDED`, and an authorisation of the wrong amount is
 * flagged as such too (invariant 6). Returns why a pending order could not be cancelled, if it could not.
 */
export async function settleRefundedInFull(tx: LineageTransaction, order: Order, payment: Payment, cause: Cause): Promise<string | undefined> {
  if (!guardContext(tx, order, payment).amountMatches) flag(tx, order, payment, OrderFlag.AMOUNT_MISMATCH, cause);
  const refusal = order.status === OrderStatus.PENDING_PAYMENT ? await cancelOrder(tx, order, payment, cause) : undefined;
  flag(tx, order, payment, OrderFlag.PAYMENT_REFUNDED, cause);
  return refusal;
}

/**
 * Flags an order for the shop's attention, once per flag: the shop is told by e-mail (NOTIFY_SHOP) and its systems
 * by the `order.flagged` webhook (SHOP_WEBHOOK), each a row of its own so one failing never holds the other back.
 */
export function flag(tx: LineageTransaction, order: Order, payment: Payment, f: OrderFlag, cause: Cause): void {
  if (order.flags.includes(f)) return;
  order.flags = [...order.flags, f];
  tx.touch(order, payment, cause);
  const key = `order:${order.id}:${f}`;
  tx.addOutbox(OutboxTopic.NOTIFY_SHOP, key, order.id, { orderId: order.id, flag: f });
  tx.addOutbox(OutboxTopic.SHOP_WEBHOOK, key, order.id, { orderId: order.id, flag: f });
}

function writeReadyEffects(tx: LineageTransaction, order: Order): void {
  const key = `order:${order.id}`;
  const payload = { orderId: order.id };
  const products = order.lines.filter((l) => (l.kind ?? OrderLineKind.PRODUCT) === OrderLineKind.PRODUCT);
  tx.addOutbox(OutboxTopic.DECREMENT_STOCK, key, order.id, { ...payload, lines: products.map((l) => ({ sku: l.sku, quantity: l.quantity })) });
  if (order.couponCodes.length) tx.addOutbox(OutboxTopic.REDEEM_COUPONS, key, order.id, { ...payload, codes: order.couponCodes });
  if (order.giftCards.length) tx.addOutbox(OutboxTopic.REDEEM_GIFT_CARDS, key, order.id, { ...payload, giftCards: order.giftCards });
  // No address given at checkout: no confirmation is owed, so none is queued.
  if (order.customerEmail) tx.addOutbox(OutboxTopic.SEND_CONFIRMATION_EMAIL, key, order.id, payload);
  tx.addOutbox(OutboxTopic.EXPORT_ORDER, key, order.id, payload);
}

async function releaseGiftCards(tx: LineageTransaction, order: Order): Promise<void> {
  if (!order.giftCards.length) return;
  const cards = await tx.em.find(GiftCard, { lockedByOrderId: order.id });
  for (const card of cards) {
    card.lockedByOrderId = null;
    card.lockedAmount = 0;
  }
}
