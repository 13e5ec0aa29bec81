/**
 * The delivery faults, armed per order id (in-process and through the control API) or as defaults: drop,
 * duplicate, reorder, delay, failFirstAttempt and testMode; and stallCommandsMs, which holds a command's answer.
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

/** Captures through the status API, as the adapter does; `timeoutMs` aborts the request like a client timeout. */
function capture(url: string, id: number, amount: number, timeoutMs?: number) {
  return fetch(`${url}/payments/${id}/capture?synchronized`, {
    method: 'POST',
    headers: apiHeaders(),
    body: JSON.stringify({ amount }),
    signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
  });
}

test('stallCommandsMs: the command is performed and its callback sent at once, the answer comes later', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  h.sim.setFaults(orderId, { stallCommandsMs: 400 });
  const id = await openWindow(h, orderId, { amount: '10000' });
  await pay(h, id); // the window's authorisation is no command: not held
  await h.shop.waitFor(orderId, 1);

  const sentAt = Date.now();
  let answeredAt = 0;
  const answer = capture(h.sim.url, id, 6000).then((res) => {
    answeredAt = Date.now();
    return res;
  });
  const [, captured] = await h.shop.waitFor(orderId, 2);
  assert.equal(answeredAt, 0, 'the callback arrives before the HTTP answer');
  assert.deepEqual(captured.json.operations.at(-1)!.type, 'capture');
  assert.equal(h.sim.payment(id)!.payment.balance, 6000, 'the capture happened already');

  const res = await answer;
  assert.equal(res.status, 202);
  assert.equal(QuickPayPaymentSchema.parse(await res.json()).balance, 6000);
  assert.ok(answeredAt - sentAt >= 390, `answered after ${answeredAt - sentAt} ms`);
  assert.ok(captured.receivedAt < answeredAt);

  // A refused command is performed too (a failed operation), so its answer is held as well...
  const refusedAt = Date.now();
  assert.equal((await capture(h.sim.url, id, 99999)).status, 400);
  assert.ok(Date.now() - refusedAt >= 390);
  // ...but a malformed one did nothing and is answered at once.
  const invalidAt = Date.now();
  assert.equal((await capture(h.sim.url, id, -1)).status, 400);
  assert.ok(Date.now() - invalidAt < 300);
  // Reads are never held.
  const readAt = Date.now();
  assert.equal((await fetch(`${h.sim.url}/payments/${id}`, { headers: apiHeaders() })).status, 200);
  assert.ok(Date.now() - readAt < 300);
});

test('stallCommandsMs: a client that times out first never learns the outcome, yet the operation happened', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId('sub');
  const id = await openWindow(h, orderId, { type: 'subscription', amount: '0' });
  await pay(h, id);
  // Through the control API, like an out-of-process test would.
  const put = await fetch(`${h.sim.url}/_sim/payments/${encodeURIComponent(orderId)}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stallCommandsMs: 60_000 }),
  });
  assert.equal(put.status, 200);

  await assert.rejects(
    fetch(`${h.sim.url}/subscriptions/${id}/recurring`, {
      method: 'POST',
      headers: apiHeaders(),
      body: JSON.stringify({ amount: 2500, order_id: `${orderId}-r1` }),
      signal: AbortSignal.timeout(150),
    }),
    (e: Error) => e.name === 'TimeoutError',
  );
  // The charge happened: a payment of its own, with its callback, listed under the subscription.
  const [charged] = await h.shop.waitFor(`${orderId}-r1`, 1);
  assert.deepEqual(charged.json.operations.map((o) => o.type), ['recurring']);
  const status = await fetch(`${h.sim.url}/subscriptions/${id}/payments`, { headers: apiHeaders() });
  const charges = QuickPayPaymentSchema.array().parse(await status.json());
  assert.deepEqual(
    charges.map((c) => [c.order_id, c.subscription_id, c.operations.map((o) => [o.type, o.amount, o.qp_status_code])]),
    [[`${orderId}-r1`, id, [['recurring', 2500, '20000']]]],
  );
});

test('stallCommandsMs: reset answers a held command at once, and a held answer never keeps close() waiting', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  h.sim.setFaults(orderId, { stallCommandsMs: 600_000 });
  const id = await openWindow(h, orderId);
  await pay(h, id);
  const held = capture(h.sim.url, id, 100, 3000); // fails the test in 3 s if reset does not release it
  await h.shop.waitFor(orderId, 2);
  const resetAt = Date.now();
  h.sim.reset();
  assert.equal((await held).status, 202);
  assert.ok(Date.now() - resetAt < 1000, 'reset released the answer');

  const other = await startHarness();
  t.after(other.close);
  const otherOrder = newOrderId();
  other.sim.setFaults(otherOrder, { stallCommandsMs: 600_000 });
  const otherId = await openWindow(other, otherOrder);
  await pay(other, otherId);
  const stuck = capture(other.sim.url, otherId, 100).then(
    (res) => res.status,
    () => 'no answer',
  );
  await other.shop.waitFor(otherOrder, 2);
  const closeAt = Date.now();
  await other.close();
  assert.ok(Date.now() - closeAt < 1000, `close took ${Date.now() - closeAt} ms`);
  assert.ok([202, 'no answer'].includes(await stuck));
});

test('stallCommandsMs is validated like the other faults', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  for (const stallCommandsMs of [-1, 600_001, 1.5, '100']) {
    const res = await fetch(`${h.sim.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stallCommandsMs }),
    });
    assert.equal(res.status, 400, `stallCommandsMs ${stallCommandsMs}`);
  }
  assert.throws(() => h.sim.setFaults('x', { stallCommandsMs: -5 }));
  assert.doesNotThrow(() => h.sim.setDefaultFaults({ stallCommandsMs: 600_000 }));
});
