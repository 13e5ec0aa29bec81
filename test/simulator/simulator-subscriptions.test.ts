/**
 * Subscriptions in the simulated QuickPay REST API: `GET /subscriptions/{id}`, recurring charges and their refusals,
 * cancelling a subscription, and a capture refused on a subscription.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuickPayPaymentSchema, toPaymentStateEvent } from '../../src/gateways/quickpay/quickpay.payment.js';
import { apiHeaders, newOrderId, openWindow, pay, sleep, startHarness, type Harness } from './simulator-test-kit.js';

/** A subscription window (amount 0 or more), paid with the test card unless `paid` is false. */
async function subscription(h: Harness, { amount = '0', paid = true } = {}): Promise<{ id: number; orderId: string }> {
  const orderId = newOrderId('sub');
  const id = await openWindow(h, orderId, { type: 'subscription', amount });
  if (paid) assert.equal((await pay(h, id)).status, 303);
  return { id, orderId };
}

function post(h: Harness, path: string, body: object = {}) {
  return fetch(`${h.sim.url}${path}`, { method: 'POST', headers: apiHeaders(), body: JSON.stringify(body) });
}

const recurring = (h: Harness, id: number | string, body: object) => post(h, `/subscriptions/${id}/recurring?synchronized`, body);

const ops = (payment: { operations: { type: string; amount: number; qp_status_code?: string | null }[] }) =>
  payment.operations.map((o) => [o.type, o.amount, o.qp_status_code]);

test('GET /subscriptions/{id} shows a subscription, behind the API key, and 404s anything else', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h);
  const res = await fetch(`${h.sim.url}/subscriptions/${id}`, { headers: apiHeaders() });
  assert.equal(res.status, 200);
  const body = QuickPayPaymentSchema.parse(await res.json());
  assert.equal(body.id, id);
  assert.equal(body.order_id, orderId);
  assert.equal(body.type, 'Subscription');
  assert.deepEqual(ops(body), [['subscribe', 0, '20000']]);

  assert.equal((await fetch(`${h.sim.url}/subscriptions/${id}`)).status, 401);
  assert.equal((await fetch(`${h.sim.url}/subscriptions/${id}`, { headers: apiHeaders('wrong-key') })).status, 401);
  const noVersion = { ...apiHeaders() } as Record<string, string>;
  delete noVersion['Accept-Version'];
  assert.equal((await fetch(`${h.sim.url}/subscriptions/${id}`, { headers: noVersion })).status, 400);
  assert.equal((await fetch(`${h.sim.url}/subscriptions/${id}/recurring`, { method: 'POST' })).status, 401);
  assert.equal(h.sim.payment(id)!.payment.operations.length, 1, 'an unauthenticated charge does nothing');

  const paymentId = await openWindow(h, newOrderId());
  const notASubscription = await fetch(`${h.sim.url}/subscriptions/${paymentId}`, { headers: apiHeaders() });
  assert.equal(notASubscription.status, 404);
  assert.match(((await notASubscription.json()) as { message: string }).message, /No Subscription/);
  assert.equal((await fetch(`${h.sim.url}/subscriptions/999`, { headers: apiHeaders() })).status, 404);
  assert.equal((await fetch(`${h.sim.url}/subscriptions/abc`, { headers: apiHeaders() })).status, 404);
});

test('a recurring charge appends an approved recurring operation of its amount, with a callback each', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h, { amount: '1000' });
  await h.shop.waitFor(orderId, 1);

  const first = await recurring(h, id, { amount: 4900, order_id: `${orderId}-r1`, auto_capture: true });
  assert.equal(first.status, 202);
  const afterFirst = QuickPayPaymentSchema.parse(await first.json());
  assert.equal(afterFirst.type, 'Subscription');
  assert.deepEqual(ops(afterFirst), [
    ['subscribe', 1000, '20000'],
    ['recurring', 4900, '20000'],
  ]);
  assert.deepEqual(h.sim.payment(id)!.payment.operations[1].data, { order_id: `${orderId}-r1` });

  // No cap from the subscription's own amount; a numeric string is an amount too, as for captures.
  const second = await recurring(h, id, { amount: '7100' });
  assert.equal(second.status, 202);
  const afterSecond = QuickPayPaymentSchema.parse(await second.json());
  assert.deepEqual(ops(afterSecond).at(-1), ['recurring', 7100, '20000']);
  assert.deepEqual(h.sim.payment(id)!.payment.operations[2].data, {});
  assert.equal(afterSecond.balance, 12000);
  assert.equal(toPaymentStateEvent(afterSecond)?.amountCaptured, 12000);

  const received = await h.shop.waitFor(orderId, 3);
  assert.deepEqual(
    received.map((r) => r.json.operations.at(-1)!.type),
    ['subscribe', 'recurring', 'recurring'],
  );
  assert.ok(received.every((r) => r.checksumValid && r.headers['quickpay-resource-type'] === 'Subscription'));
  await sleep(50);
  assert.equal(h.shop.forOrder(orderId).length, 3, 'one callback per charge, no more');
});

test('a recurring charge is refused (40001, with a callback) for a payment, before authorisation and after cancel', async (t) => {
  const h = await startHarness();
  t.after(h.close);

  const paymentOrder = newOrderId();
  const paymentId = await openWindow(h, paymentOrder, { amount: '10000' });
  await pay(h, paymentId);
  const onPayment = await recurring(h, paymentId, { amount: 100 });
  assert.equal(onPayment.status, 400);
  assert.match(((await onPayment.json()) as { message: string }).message, /Not a subscription/);
  assert.deepEqual(ops(h.sim.payment(paymentId)!.payment), [
    ['authorize', 10000, '20000'],
    ['recurring', 100, '40001'],
  ]);
  assert.equal(h.sim.payment(paymentId)!.payment.balance, 0);
  assert.equal((await h.shop.waitFor(paymentOrder, 2)).at(-1)!.json.operations.at(-1)!.qp_status_code, '40001');

  const unpaid = await subscription(h, { paid: false });
  const early = await recurring(h, unpaid.id, { amount: 100 });
  assert.equal(early.status, 400);
  assert.deepEqual(await early.json(), { message: 'Subscription is not authorized', errors: {}, error_code: null });
  assert.deepEqual(ops(h.sim.payment(unpaid.id)!.payment), [['recurring', 100, '40001']]);
  await h.shop.waitFor(unpaid.orderId, 1);

  const cancelled = await subscription(h);
  assert.equal((await post(h, `/subscriptions/${cancelled.id}/cancel`)).status, 202);
  const late = await recurring(h, cancelled.id, { amount: 100 });
  assert.equal(late.status, 400);
  assert.equal(((await late.json()) as { message: string }).message, 'Subscription is cancelled');
  assert.deepEqual(ops(h.sim.payment(cancelled.id)!.payment).at(-1), ['recurring', 100, '40001']);
  assert.equal(h.sim.payment(cancelled.id)!.payment.balance, 0);
  await h.shop.waitFor(cancelled.orderId, 3);
});

test('a malformed recurring charge is a validation error that leaves nothing; unknown ids and operations are 404', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h);
  for (const amount of [0, -100, 1.5, 'abc', null, undefined]) {
    const res = await recurring(h, id, { amount });
    assert.equal(res.status, 400, `amount ${amount}`);
    const body = (await res.json()) as { message: string; errors: Record<string, string[]> };
    assert.equal(body.message, 'Validation error');
    assert.deepEqual(Object.keys(body.errors), ['amount']);
  }
  const badOrderId = await recurring(h, id, { amount: 100, order_id: 'with space' });
  assert.equal(badOrderId.status, 400);
  assert.deepEqual(Object.keys(((await badOrderId.json()) as { errors: object }).errors), ['order_id']);
  assert.equal(h.sim.payment(id)!.payment.operations.length, 1, 'only the subscribe');
  await sleep(50);
  assert.equal(h.shop.forOrder(orderId).length, 1, 'no callback for a malformed request');

  assert.equal((await recurring(h, 999, { amount: 100 })).status, 404);
  assert.equal((await recurring(h, 'abc', { amount: 100 })).status, 404);
  assert.equal((await post(h, `/subscriptions/${id}/capture`, { amount: 100 })).status, 404);
});

test('a capture of a subscription is refused: subscriptions are charged with recurring payments', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h, { amount: '5000' });
  const res = await post(h, `/payments/${id}/capture`, { amount: 5000 });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    message: 'A subscription is not captured: create a recurring payment',
    errors: {},
    error_code: null,
  });
  assert.deepEqual(ops(h.sim.payment(id)!.payment), [
    ['subscribe', 5000, '20000'],
    ['capture', 5000, '40001'],
  ]);
  assert.equal(h.sim.payment(id)!.payment.balance, 0);
  await h.shop.waitFor(orderId, 2);
});

test('cancelling a subscription ends its charges, whatever it has charged already', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h);
  assert.equal((await recurring(h, id, { amount: 3000 })).status, 202);

  const cancel = await post(h, `/subscriptions/${id}/cancel?synchronized`);
  assert.equal(cancel.status, 202);
  const cancelled = QuickPayPaymentSchema.parse(await cancel.json());
  assert.deepEqual(ops(cancelled).at(-1), ['cancel', 0, '20000']);
  assert.equal(cancelled.state, 'processed');
  assert.equal(cancelled.balance, 3000, 'the money already charged stays');
  await h.shop.waitFor(orderId, 3);

  const again = await post(h, `/subscriptions/${id}/cancel`);
  assert.equal(again.status, 400, 'no second cancel');
  assert.equal(((await again.json()) as { message: string }).message, 'Subscription is cancelled');
  assert.equal((await recurring(h, id, { amount: 100 })).status, 400, 'no charge after cancel');
  // A past charge can still be refunded: the cancel ended future charges only.
  assert.equal((await post(h, `/payments/${id}/refund`, { amount: 3000 })).status, 202);
  assert.equal(h.sim.payment(id)!.payment.balance, 0);

  const unpaid = await subscription(h, { paid: false });
  assert.equal((await post(h, `/subscriptions/${unpaid.id}/cancel`)).status, 400, 'nothing to cancel before authorisation');
  const paymentId = await openWindow(h, newOrderId());
  await pay(h, paymentId);
  assert.equal((await post(h, `/subscriptions/${paymentId}/cancel`)).status, 404, 'a payment is no subscription');
  assert.equal(h.sim.payment(paymentId)!.payment.operations.length, 1);
});

test('declineCommands: a recurring charge is a failed operation (40000) answered 202, and charges nothing', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId('sub');
  h.sim.setFaults(orderId, { declineCommands: true });
  const id = await openWindow(h, orderId, { type: 'subscription', amount: '0' });
  await pay(h, id);
  const res = await recurring(h, id, { amount: 2500 });
  assert.equal(res.status, 202);
  const body = QuickPayPaymentSchema.parse(await res.json());
  assert.deepEqual(ops(body).at(-1), ['recurring', 2500, '40000']);
  assert.equal(body.balance, 0);
  assert.equal(toPaymentStateEvent(body)?.amountCaptured, 0);
  await h.shop.waitFor(orderId, 2);
});
