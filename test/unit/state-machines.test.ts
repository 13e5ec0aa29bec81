import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cartMachine, CartStatus } from '../../src/modules/cart/cart.machine.js';
import { orderMachine, OrderStatus, type OrderGuardContext } from '../../src/modules/order/order.machine.js';
import { paymentMachine, PaymentStatus } from '../../src/modules/payment/payment.machine.js';
import { StateMachine } from '../../src/modules/state-machine/state-machine.js';

const paid: OrderGuardContext = { paymentAuthorized: true, amountMatches: true, testPaymentRefused: false, cartUntouched: true };

describe('state machine definition', () => {
  it('refuses a table that targets an unknown state at construction', () => {
    assert.throws(() => new StateMachine<'A' | 'B', unknown>('T', ['A', 'B'], { A: ['C' as 'B'], B: [] }), /unknown state/);
  });

  it('refuses a guard on an edge the table does not have', () => {
    assert.throws(() => new StateMachine<'A' | 'B', unknown>('T', ['A', 'B'], { A: [], B: [] }, { 'A->B': () => undefined }), /does not have/);
  });
});

describe('order machine', () => {
  it('makes a pending order ready only on a matching authorisation', () => {
    assert.equal(orderMachine.refusal(OrderStatus.PENDING_PAYMENT, OrderStatus.READY, paid), undefined);
    assert.match(orderMachine.refusal(OrderStatus.PENDING_PAYMENT, OrderStatus.READY, { ...paid, paymentAuthorized: false })!, /not authorised/);
    assert.match(orderMachine.refusal(OrderStatus.PENDING_PAYMENT, OrderStatus.READY, { ...paid, amountMatches: false })!, /amount/);
    assert.match(orderMachine.refusal(OrderStatus.PENDING_PAYMENT, OrderStatus.READY, { ...paid, testPaymentRefused: true })!, /test/);
  });

  it('revives a cancelled order only while its cart is untouched', () => {
    assert.equal(orderMachine.refusal(OrderStatus.CANCELLED, OrderStatus.READY, paid), undefined);
    assert.match(orderMachine.refusal(OrderStatus.CANCELLED, OrderStatus.READY, { ...paid, cartUntouched: false })!, /cart/);
  });

  it('never cancels a paid order, and never leaves READY', () => {
    assert.match(orderMachine.refusal(OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, paid)!, /already authorised/);
    assert.ok(orderMachine.isTerminal(OrderStatus.READY));
    assert.match(orderMachine.refusal(OrderStatus.READY, OrderStatus.CANCELLED, paid)!, /no transition/);
  });

  it('does not cancel twice', () => {
    assert.match(orderMachine.refusal(OrderStatus.CANCELLED, OrderStatus.CANCELLED, { ...paid, paymentAuthorized: false })!, /no transition/);
  });
});

describe('payment machine', () => {
  it('lets an unverified source do nothing but INITIATED -> PENDING', () => {
    assert.equal(paymentMachine.refusal(PaymentStatus.INITIATED, PaymentStatus.PENDING, { verified: false }), undefined);
    for (const to of [PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.REFUSED, PaymentStatus.CANCELLED]) {
      assert.match(paymentMachine.refusal(PaymentStatus.INITIATED, to, { verified: false })!, /verified/, to);
    }
  });

  it('never moves backwards', () => {
    const rank = [PaymentStatus.INITIATED, PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED];
    for (let i = 0; i < rank.length; i++) {
      for (let j = 0; j < i; j++) assert.ok(paymentMachine.refusal(rank[i], rank[j], { verified: true }), `${rank[i]} -> ${rank[j]}`);
    }
  });

  it('lets a newer verified authorisation win over an earlier refusal, expiry or cancel (invariant 5), and nothing else', () => {
    for (const from of [PaymentStatus.REFUSED, PaymentStatus.EXPIRED, PaymentStatus.CANCELLED]) {
      assert.equal(paymentMachine.refusal(from, PaymentStatus.AUTHORIZED, { verified: true }), undefined, from);
      assert.match(paymentMachine.refusal(from, PaymentStatus.AUTHORIZED, { verified: false })!, /verified/, from);
      assert.ok(paymentMachine.refusal(from, PaymentStatus.PENDING, { verified: true }), `${from} -> PENDING`);
    }
    assert.ok(paymentMachine.refusal(PaymentStatus.CANCELLED, PaymentStatus.EXPIRED, { verified: true }));
    assert.ok(paymentMachine.refusal(PaymentStatus.CANCELLED, PaymentStatus.REFUSED, { verified: true }));
  });
});

describe('cart machine', () => {
  it('refuses to check out an empty cart', () => {
    assert.match(cartMachine.refusal(CartStatus.OPEN, CartStatus.CHECKED_OUT, { lineCount: 0 })!, /empty/);
    assert.equal(cartMachine.refusal(CartStatus.OPEN, CartStatus.CHECKED_OUT, { lineCount: 1 }), undefined);
    assert.equal(cartMachine.refusal(CartStatus.CHECKED_OUT, CartStatus.OPEN, { lineCount: 1 }), undefined);
  });
});
