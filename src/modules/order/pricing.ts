/**
 * Prices a cart into an order snapshot: pure arithmetic in integer minor units, no I/O, so it is tested alone.
 * Discounts come before gift cards; neither takes the total below zero.
 */
import type { CartLineData } from '../cart/cart.entity.js';
import { CouponKind } from '../promotions/coupon.entity.js';
import { MAX_MONEY } from '../shared/money.js';
import type { AppliedGiftCard, OrderLineData } from './order.entity.js';

/** A line or the order as a whole would cost more than the largest amount the service holds (MAX_MONEY). */
export class MoneyOverflowError extends Error {
  constructor(what: string) {
    super(`${what} would exceed the largest amount, ${MAX_MONEY} minor units`);
    this.name = 'MoneyOverflowError';
  }
}

/** Every sum is checked: past 2^53 floating point stops counting in whole units. */
function checked(amount: number, what: string): number {
  if (!Number.isSafeInteger(amount) || amount > MAX_MONEY) throw new MoneyOverflowError(what);
  return amount;
}

export interface PricedProduct {
  sku: string;
  name: string;
  unitPrice: number;
}

export interface CouponTerms {
  code: string;
  kind: CouponKind;
  value: number;
}

export interface GiftCardFunds {
  code: string;
  /** What the card can still give. */
  available: number;
}

export interface OrderTotals {
  lines: OrderLineData[];
  subtotal: number;
  discountTotal: number;
  giftCards: AppliedGiftCard[];
  giftCardTotal: number;
  /** Left to pay at the gateway. */
  total: number;
}

export function priceOrder(
  cartLines: readonly CartLineData[],
  products: ReadonlyMap<string, PricedProduct>,
  coupons: readonly CouponTerms[],
  giftCards: readonly GiftCardFunds[],
): OrderTotals {
  const lines = cartLines.map((l) => {
    const product = products.get(l.sku);
    if (!product) throw new Error(`no price for ${l.sku}`);
    const lineTotal = checked(product.unitPrice * l.quantity, `the line ${l.sku}`);
    return { sku: l.sku, name: product.name, unitPrice: product.unitPrice, quantity: l.quantity, lineTotal };
  });
  const subtotal = checked(lines.reduce((s, l) => s + l.lineTotal, 0), 'the order total');
  let discountTotal = 0;
  for (const c of coupons) {
    const wanted = c.kind === CouponKind.PERCENT ? Math.floor((subtotal * c.value) / 100) : c.value;
    discountTotal += Math.min(wanted, subtotal - discountTotal);
  }
  let remaining = subtotal - discountTotal;
  const applied: AppliedGiftCard[] = [];
  for (const g of giftCards) {
    const amount = Math.min(g.available, remaining);
    if (amount <= 0) continue;
    applied.push({ code: g.code, amount });
    remaining -= amount;
  }
  return {
    lines,
    subtotal,
    discountTotal,
    giftCards: applied,
    giftCardTotal: applied.reduce((s, g) => s + g.amount, 0),
    total: remaining,
  };
}
