/**
 * The `/_sim/` control API: inspection, scripted operations, resent callbacks and reset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuickPayPaymentSchema, toPaymentStateEvent } from '../../src/gateways/quickpay/quickpay.payment.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';
import type { PaymentSnapshot } from '../../src/simulator/quickpay-simulator.js';
import { newOrderId, openWindow, pay, sleep, startHarness, startRetryingDelivery } from './simulator-test-kit.js';

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: body === undefined ? {} : { 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

test('GET /_sim/payments lists payments with their delivery log', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  await pay(h, id);
  await h.sim.waitForDeliveries(id, 1);

  const all = (await (await fetch(`${h.sim.url}/_sim/payments`)).json()) as PaymentSnapshot[];
  assert.equal(all.length, 1);
  assert.equal(all[0].payment.order_id, orderId);
  assert.equal(all[0].deliveries.length, 1);
  assert.equal(all[0].deliveries[0].statusCode, 200);
  assert.equal(all[0].callbacks[0].copies[0].status, 'delivered');

  const one = await fetch(`${h.sim.url}/_sim/payments/${id}`);
  assert.equal(one.status, 200);
  assert.equal(((await one.json()) as PaymentSnapshot).payment.id, id);
  assert.equal((await fetch(`${h.sim.url}/_sim/payments/42`)).status, 404);
});

test('POST /_sim/payments/{id}/operations scripts flows without a browser, with a callback each', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);

  const expired = await fetch(`${h.sim.url}/_sim/payments/${id}/operations`, json('POST', { type: 'authorize', qp_status_code: '40002' }));
  assert.equal(expired.status, 201);
  const [cb] = await h.shop.waitFor(orderId, 1);
  assert.equal(toPaymentStateEvent(QuickPayPaymentSchema.parse(cb.json))?.status, PaymentStatus.EXPIRED);

  await fetch(`${h.sim.url}/_sim/payments/${id}/operations`, json('POST', { type: 'authorize', pending: true }));
  const [, pendingCb] = await h.shop.waitFor(orderId, 2);
  assert.equal(pendingCb.json.state, 'pending');

  const result = h.sim.appendOperation(id, { type: 'authorize', amount: 500 });
  assert.equal(result.operation.id, 3);
  assert.equal(result.payment.accepted, true);
  const [, , approvedCb] = await h.shop.waitFor(orderId, 3);
  const event = toPaymentStateEvent(QuickPayPaymentSchema.parse(approvedCb.json));
  assert.equal(event?.status, PaymentStatus.AUTHORIZED);
  assert.equal(event?.amountAuthorized, 500);

  assert.equal((await fetch(`${h.sim.url}/_sim/payments/${id}/operations`, json('POST', { amount: 1 }))).status, 400);
  assert.equal((await fetch(`${h.sim.url}/_sim/payments/123/operations`, json('POST', { type: 'capture' }))).status, 404);
  assert.throws(() => h.sim.appendOperation(123, { type: 'capture' }), /no payment/);
});

test('POST /_sim/payments/{id}/callbacks resends the current resource', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  await pay(h, id);
  const [first] = await h.shop.waitFor(orderId, 1);
  const res = await fetch(`${h.sim.url}/_sim/payments/${id}/callbacks`, json('POST'));
  assert.equal(res.status, 202);
  const [, again] = await h.shop.waitFor(orderId, 2);
  assert.deepEqual(again.json.operations, first.json.operations);
  assert.ok(again.checksumValid);
  assert.equal((await fetch(`${h.sim.url}/_sim/payments/5/callbacks`, json('POST'))).status, 404);
});

test('POST /_sim/reset forgets payments, faults and pending retries', async (t) => {
  const { h, orderId, id } = await startRetryingDelivery(t, 30, 1);
  assert.equal((await fetch(`${h.sim.url}/_sim/reset`, json('POST'))).status, 204);
  assert.deepEqual(h.sim.payments(), []);
  const count = h.shop.received.length;
  await sleep(120);
  assert.equal(h.shop.received.length, count, 'no retries after reset');
  assert.equal((await fetch(`${h.sim.url}/window/${id}`)).status, 404);
});
