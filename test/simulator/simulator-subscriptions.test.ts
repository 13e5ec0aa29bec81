/**
 * Subscriptions in the simulated QuickPay REST API: `GET /subscriptions/{id}`, recurring charges (as at QuickPay,
 * each a payment of its own, listed by `GET /subscriptions/{id}/payments`) and their refusals, cancelling a
 * subscription, and captures and refunds refused on a subscription (its money is in its charges).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuickPayPaymentSchema } from '../../src/gateways/quickpay/quickpay.payment.js';
import { toSubscriptionStateEvent } from '../../src/gateways/quickpay/quickpay.subscription.js';
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
  // Payments and subscriptions are separate resources: neither is found under the other's path.
  assert.equal((await fetch(`${h.sim.url}/payments/${id}`, { headers: apiHeaders() })).status, 404);
  const search = await fetch(`${h.sim.url}/subscriptions?order_id=${encodeURIComponent(orderId)}`, { headers: apiHeaders() });
  assert.deepEqual(((await search.json()) as { id: number }[]).map((x) => x.id), [id]);
  const paymentSearch = await fetch(`${h.sim.url}/payments?order_id=${encodeURIComponent(orderId)}`, { headers: apiHeaders() });
  assert.deepEqual(await paymentSearch.json(), []);
  assert.equal((await fetch(`${h.sim.url}/subscriptions/999`, { headers: apiHeaders() })).status, 404);
  assert.equal((await fetch(`${h.sim.url}/subscriptions/abc`, { headers: apiHeaders() })).status, 404);
});

const charges = async (h: Harness, id: number, query = '') =>
  QuickPayPaymentSchema.array().parse(await (await fetch(`${h.sim.url}/subscriptions/${id}/payments${query}`, { headers: apiHeaders() })).json());

test('a recurring charge is a new payment of its own: its order id, the subscription named, authorised and captured, with its callback', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h, { amount: '1000' });
  await h.shop.waitFor(orderId, 1);

  const first = await recurring(h, id, { amount: 4900, order_id: `${orderId}-r1`, auto_capture: true });
  assert.equal(first.status, 202);
  const charge = QuickPayPaymentSchema.parse(await first.json());
  assert.notEqual(charge.id, id);
  assert.equal(charge.type, 'Payment');
  assert.equal(charge.order_id, `${orderId}-r1`);
  assert.equal(charge.subscription_id, id);
  assert.deepEqual(ops(charge), [
    ['recurring', 4900, '20000'],
    ['capture', 4900, '20000'],
  ]);
  assert.equal(charge.balance, 4900);
  assert.deepEqual(ops(h.sim.payment(id)!.payment), [['subscribe', 1000, '20000']], 'the subscription itself is unchanged');

  // Without auto_capture it is only authorised; a numeric string is an amount too, as for captures.
  const second = await recurring(h, id, { amount: '7100', order_id: `${orderId}-r2` });
  assert.equal(second.status, 202);
  const uncaptured = QuickPayPaymentSchema.parse(await second.json());
  assert.deepEqual(ops(uncaptured), [['recurring', 7100, '20000']]);
  assert.equal((await post(h, `/payments/${uncaptured.id}/capture`, { amount: 7100 })).status, 202, 'captured later like any payment');

  const listed = await charges(h, id);
  assert.deepEqual(listed.map((c) => [c.order_id, c.balance]), [[`${orderId}-r1`, 4900], [`${orderId}-r2`, 7100]]);
  assert.deepEqual((await charges(h, id, '?page=2&page_size=1')).map((c) => c.order_id), [`${orderId}-r2`], 'paged');

  const [cb] = await h.shop.waitFor(`${orderId}-r1`, 1);
  assert.ok(cb.checksumValid);
  assert.equal(cb.headers['quickpay-resource-type'], 'Payment');
  assert.equal(cb.json.subscription_id, id);
  await sleep(50);
  assert.equal(h.shop.forOrder(orderId).length, 1, 'no callback for the subscription itself');
});

test('a recurring charge is refused, creating nothing, before authorisation and after cancel; a payment is no subscription', async (t) => {
  const h = await startHarness();
  t.after(h.close);

  const paymentOrder = newOrderId();
  const paymentId = await openWindow(h, paymentOrder, { amount: '10000' });
  await pay(h, paymentId);
  assert.equal((await recurring(h, paymentId, { amount: 100, order_id: `${paymentOrder}-r` })).status, 404);

  const unpaid = await subscription(h, { paid: false });
  const early = await recurring(h, unpaid.id, { amount: 100, order_id: `${unpaid.orderId}-r` });
  assert.equal(early.status, 400);
  assert.deepEqual(await early.json(), { message: 'Subscription is not authorized', errors: {}, error_code: null });

  const cancelled = await subscription(h);
  assert.equal((await post(h, `/subscriptions/${cancelled.id}/cancel`)).status, 202);
  const late = await recurring(h, cancelled.id, { amount: 100, order_id: `${cancelled.orderId}-r` });
  assert.equal(late.status, 400);
  assert.equal(((await late.json()) as { message: string }).message, 'Subscription is cancelled');
  for (const s of [unpaid, cancelled]) assert.deepEqual(await charges(h, s.id), []);
  assert.equal(h.sim.payments().filter((p) => p.payment.subscription_id !== null).length, 0);
});

test('a malformed recurring charge is a validation error that leaves nothing; unknown ids are 404', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h);
  for (const amount of [0, -100, 1.5, 'abc', null, undefined]) {
    const res = await recurring(h, id, { amount, order_id: `${orderId}-r` });
    assert.equal(res.status, 400, `amount ${amount}`);
    const body = (await res.json()) as { message: string; errors: Record<string, string[]> };
    assert.equal(body.message, 'Validation error');
    assert.deepEqual(Object.keys(body.errors), ['amount']);
  }
  for (const order_id of ['with space', undefined, '']) {
    const bad = await recurring(h, id, { amount: 100, order_id });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(((await bad.json()) as { errors: object }).errors), ['order_id']);
  }
  // An order id in use (the subscription's own, or an earlier charge's) is refused: QuickPay wants them unique.
  assert.equal((await recurring(h, id, { amount: 100, order_id: `${orderId}-r1` })).status, 202);
  for (const taken of [orderId, `${orderId}-r1`]) {
    const dup = await recurring(h, id, { amount: 100, order_id: taken });
    assert.equal(dup.status, 400);
    assert.deepEqual(((await dup.json()) as { errors: object }).errors, { order_id: ['order_id already exists'] });
  }
  assert.equal((await charges(h, id)).length, 1);
  await sleep(50);
  assert.equal(h.shop.forOrder(orderId).length, 1, 'no callback for a malformed request');

  assert.equal((await recurring(h, 999, { amount: 100, order_id: 'x-1' })).status, 404);
  assert.equal((await recurring(h, 'abc', { amount: 100, order_id: 'x-2' })).status, 404);
  assert.equal((await fetch(`${h.sim.url}/subscriptions/999/payments`, { headers: apiHeaders() })).status, 404);
  assert.equal((await post(h, `/subscriptions/${id}/capture`, { amount: 100 })).status, 404);
});

test('a subscription is neither captured nor refunded (its charges are), and payment commands do not reach it', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id } = await subscription(h, { amount: '5000' });
  for (const command of ['capture', 'refund', 'cancel']) {
    assert.equal((await post(h, `/payments/${id}/${command}`, { amount: 5000 })).status, 404, command);
  }
  assert.deepEqual(ops(h.sim.payment(id)!.payment), [['subscribe', 5000, '20000']]);
});

test('cancelling a subscription ends its charges; what they took can still be refunded on the charge', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await subscription(h);
  const charge = QuickPayPaymentSchema.parse(await (await recurring(h, id, { amount: 3000, order_id: `${orderId}-r1`, auto_capture: true })).json());

  const cancel = await post(h, `/subscriptions/${id}/cancel?synchronized`);
  assert.equal(cancel.status, 202);
  const cancelled = QuickPayPaymentSchema.parse(await cancel.json());
  assert.deepEqual(ops(cancelled).at(-1), ['cancel', 0, '20000']);
  assert.equal(cancelled.state, 'processed');
  await h.shop.waitFor(orderId, 2);

  const again = await post(h, `/subscriptions/${id}/cancel`);
  assert.equal(again.status, 400, 'no second cancel');
  assert.equal(((await again.json()) as { message: string }).message, 'Subscription is cancelled');
  assert.equal((await recurring(h, id, { amount: 100, order_id: `${orderId}-r2` })).status, 400, 'no charge after cancel');
  assert.equal((await post(h, `/payments/${charge.id}/refund`, { amount: 3000 })).status, 202);
  assert.equal(h.sim.payment(charge.id)!.payment.balance, 0);
  assert.equal((await post(h, `/payments/${charge.id}/refund`, { amount: 1 })).status, 400, 'never more than it took');

  const unpaid = await subscription(h, { paid: false });
  assert.equal((await post(h, `/subscriptions/${unpaid.id}/cancel`)).status, 400, 'nothing to cancel before authorisation');
  const paymentId = await openWindow(h, newOrderId());
  await pay(h, paymentId);
  assert.equal((await post(h, `/subscriptions/${paymentId}/cancel`)).status, 404, 'a payment is no subscription');
  assert.equal(h.sim.payment(paymentId)!.payment.operations.length, 1);
});

test("declineCommands on the subscription: its charge's authorisation is declined (40000), answered 202, and takes nothing", async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId('sub');
  h.sim.setFaults(orderId, { declineCommands: true });
  const id = await openWindow(h, orderId, { type: 'subscription', amount: '0' });
  await pay(h, id);
  const res = await recurring(h, id, { amount: 2500, order_id: `${orderId}-r1`, auto_capture: true });
  assert.equal(res.status, 202);
  const body = QuickPayPaymentSchema.parse(await res.json());
  assert.deepEqual(ops(body), [['recurring', 2500, '40000']]);
  assert.equal(body.balance, 0);
  assert.equal(body.state, 'rejected');
  assert.equal(toSubscriptionStateEvent(QuickPayPaymentSchema.parse(h.sim.payment(id)!.payment), [body])?.amountCaptured, 0);
  await h.shop.waitFor(`${orderId}-r1`, 1);
});
