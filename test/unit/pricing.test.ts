import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { priceOrder } from '../../src/modules/order/pricing.js';
import { CouponKind } from '../../src/modules/promotions/coupon.entity.js';

const products = new Map([
  ['A', { sku: 'A', name: 'Apple', unitPrice: 1250 }],
  ['B', { sku: 'B', name: 'Bread', unitPrice: 3000 }],
]);

describe('priceOrder', () => {
  it('snapshots lines with frozen prices and sums them', () => {
    const t = priceOrder([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], products, [], []);
    assert.deepEqual(t.lines, [
      { sku: 'A', name: 'Apple', unitPrice: 1250, quantity: 2, lineTotal: 2500 },
      { sku: 'B', name: 'Bread', unitPrice: 3000, quantity: 1, lineTotal: 3000 },
    ]);
    assert.equal(t.subtotal, 5500);
    assert.equal(t.total, 5500);
  });

  it('applies percentage and amount coupons before gift cards', () => {
    const t = priceOrder([{ sku: 'B', quantity: 2 }], products, [{ code: 'TEN', kind: CouponKind.PERCENT, value: 10 }, { code: 'FIVE', kind: CouponKind.AMOUNT, value: 500 }], [{ code: 'G1', available: 1000 }]);
    assert.equal(t.discountTotal, 600 + 500);
    assert.deepEqual(t.giftCards, [{ code: 'G1', amount: 1000 }]);
    assert.equal(t.total, 6000 - 1100 - 1000);
  });

  it('never goes below zero and never takes more from a gift card than is left to pay', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sku: fc.constantFrom('A', 'B'), quantity: fc.integer({ min: 1, max: 50 }) }), { maxLength: 5 }),
        fc.array(fc.record({ code: fc.string(), kind: fc.constantFrom(CouponKind.PERCENT, CouponKind.AMOUNT), value: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 3 }),
        // Gift card codes are primary keys: a cart never holds two cards with one code.
        fc.uniqueArray(fc.record({ code: fc.string(), available: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 3, selector: (g) => g.code }),
        (lines, coupons, cards) => {
          const safeCoupons = coupons.map((c) => (c.kind === CouponKind.PERCENT ? { ...c, value: c.value % 101 } : c));
          const t = priceOrder(lines, products, safeCoupons, cards);
          assert.ok(t.total >= 0);
          assert.ok(t.discountTotal <= t.subtotal);
          assert.equal(t.subtotal - t.discountTotal - t.giftCardTotal, t.total);
          for (const g of t.giftCards) assert.ok(g.amount > 0 && g.amount <= cards.find((c) => c.code === g.code)!.available);
        },
      ),
    );
  });
});
