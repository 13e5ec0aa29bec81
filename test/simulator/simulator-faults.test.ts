/**
 * The delivery faults, armed per order id (in-process and through the control API) or as defaults: drop,
 * duplicate, reorder, delay, failFirstAttempt and testMode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuickPayPaymentSchema } from '../../src/gateways/quickpay/quickpay.payment.js';
import { apiHeaders, newOrderId, openWindow, pay, sleep, startHarness, startRetryingDelivery } from './simulator-test-kit.js';

test('drop: no callback reaches the shop, but the status API knows the payment is authorised', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  h.sim.setFaults(orderId, { drop: true }); // armed before the window opens
  const id = await openWindow(h, orderId);
  assert.equal((await pay(h, id)).status, 303);
  await sleep(150);
  assert.equal(h.shop.received.length, 0);
  const snapshot = h.sim.payment(id)!;
  assert.equal(snapshot.callbacks.length, 1);
  assert.equal(snapshot.callbacks[0].status, 'dropped');
  assert.deepEqual(snapshot.deliveries, []);

  const res = await fetch(`${h.sim.url}/payments/${id}`, { headers: apiHeaders() });
  assert.equal(res.status, 200);
  const payment = QuickPayPaymentSchema.parse(await res.json());
  assert.equal(payment.accepted, true);
});

test('drop set while retrying stops the retries', async (t) => {
  const { h, orderId, id } = await startRetryingDelivery(t, 40, 1);
  h.sim.setFaults(orderId, { drop: true });
  await sleep(200);
  assert.ok(h.sim.deliveries(id).length <= 2, `at most one attempt was already under way, saw ${h.sim.deliveries(id).length}`);
  assert.equal(h.sim.payment(id)!.callbacks[0].copies[0].status, 'dropped');
});

test('duplicate: each callback arrives N extra times with identical bytes and signatures', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  h.sim.setFaults(orderId, { duplicate: 2 });
  const id = await openWindow(h, orderId);
  await pay(h, id);
  const received = await h.shop.waitFor(orderId, 3);
  assert.equal(new Set(received.map((r) => r.body)).size, 1);
  assert.ok(received.every((r) => r.checksumValid));
  const attempts = await h.sim.waitForDeliveries(id, 3);
  assert.deepEqual(attempts.map((a) => a.copy).sort(), [0, 1, 2]);
  await sleep(100);
  assert.equal(h.shop.forOrder(orderId).length, 3, 'exactly N extra, no more');
});

test('reorder: consecutive callbacks of one payment arrive swapped', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  h.sim.setFaults(orderId, { reorder: true });
  await pay(h, id); // operation 1: authorize, held
  await sleep(100);
  assert.equal(h.shop.forOrder(orderId).length, 0, 'the first callback is held');
  assert.equal(h.sim.payment(id)!.callbacks[0].status, 'held');
  h.sim.appendOperation(id, { type: 'capture' }); // operation 2: sent first, then the held one
  const received = await h.shop.waitFor(orderId, 2);
  assert.deepEqual(
    received.map((r) => r.json.operations.length),
    [2, 1],
  );
});

test('turning reorder off sends the held callback', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  h.sim.setFaults(orderId, { reorder: true });
  const id = await openWindow(h, orderId);
  await pay(h, id);
  await sleep(50);
  assert.equal(h.shop.forOrder(orderId).length, 0);
  h.sim.setFaults(orderId, {});
  const [cb] = await h.shop.waitFor(orderId, 1);
  assert.equal(cb.json.operations[0].type, 'authorize');
});

test('delayMs: each callback waits before it is sent', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  h.sim.setFaults(orderId, { delayMs: 300 });
  const id = await openWindow(h, orderId);
  const paidAt = Date.now();
  await pay(h, id);
  await sleep(150);
  assert.equal(h.shop.forOrder(orderId).length, 0, 'not yet');
  const [cb] = await h.shop.waitFor(orderId, 1);
  assert.ok(cb.receivedAt - paidAt >= 290, `arrived after ${cb.receivedAt - paidAt} ms`);
});

test('failFirstAttempt and testMode set through the control API apply to that order only', async (t) => {
  const h = await startHarness({ retryIntervalMs: 30 });
  t.after(h.close);
  const orderId = newOrderId();
  const other = newOrderId();
  const put = await fetch(`${h.sim.url}/_sim/payments/${encodeURIComponent(orderId)}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ failFirstAttempt: true, testMode: false }),
  });
  assert.equal(put.status, 200);
  const id = await openWindow(h, orderId);
  const otherId = await openWindow(h, other);
  await pay(h, id);
  await pay(h, otherId);

  const [first, second] = await h.shop.waitFor(orderId, 2);
  assert.equal(first.checksumValid, false);
  assert.equal(second.checksumValid, true);
  assert.equal(second.json.test_mode, false, 'a test card payment pretending to be live');
  const [otherCb] = await h.shop.waitFor(other, 1);
  assert.equal(otherCb.checksumValid, true);
  assert.equal(otherCb.json.test_mode, true);
});

test('default faults apply to payments created afterwards only', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const before = newOrderId();
  const beforeId = await openWindow(h, before);
  const res = await fetch(`${h.sim.url}/_sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ duplicate: true }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { defaults: { duplicate: 1 } });
  const after = newOrderId();
  const afterId = await openWindow(h, after);
  await pay(h, beforeId);
  await pay(h, afterId);
  await h.shop.waitFor(after, 2);
  await sleep(100);
  assert.equal(h.shop.forOrder(before).length, 1);
  assert.equal(h.shop.forOrder(after).length, 2);
  // An order's own faults override the defaults it was created with.
  h.sim.setFaults(after, { duplicate: 0 });
  h.sim.resendCallback(afterId);
  await h.shop.waitFor(after, 3);
  await sleep(100);
  assert.equal(h.shop.forOrder(after).length, 3);
});

test('invalid faults are refused', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const res = await fetch(`${h.sim.url}/_sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ delayMs: -1, explode: true }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { issues: string[] };
  assert.ok(body.issues.some((i) => i.startsWith('delayMs')));
  assert.throws(() => h.sim.setFaults('x', { duplicate: -3 }));
});
