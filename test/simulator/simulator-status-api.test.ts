/**
 * The simulated QuickPay REST API: authentication, lookups, and the capture / refund / cancel rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuickPayPaymentSchema, toPaymentStateEvent } from '../../src/gateways/quickpay/quickpay.payment.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';
import { apiHeaders, newOrderId, openWindow, pay, startHarness, type Harness } from './simulator-test-kit.js';

async function paidPayment(h: Harness, amount = '10000'): Promise<{ id: number; orderId: string }> {
  const orderId = newOrderId();
  const id = await openWindow(h, orderId, { amount });
  await pay(h, id);
  return { id, orderId };
}

function command(h: Harness, id: number | string, op: string, body: object = {}) {
  return fetch(`${h.sim.url}/payments/${id}/${op}?synchronized`, {
    method: 'POST',
    headers: apiHeaders(),
    body: JSON.stringify(body),
  });
}

test('the status API wants the API key in Basic auth and Accept-Version v10', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id } = await paidPayment(h);
  const url = `${h.sim.url}/payments/${id}`;
  assert.equal((await fetch(url)).status, 401);
  assert.equal((await fetch(url, { headers: apiHeaders('wrong-key') })).status, 401);
  assert.equal((await fetch(url, { headers: { Authorization: 'Bearer test-api-key', 'Accept-Version': 'v10' } })).status, 401);
  const noVersion = { ...apiHeaders() } as Record<string, string>;
  delete noVersion['Accept-Version'];
  assert.equal((await fetch(url, { headers: noVersion })).status, 400);
  assert.equal((await command(h, id, 'capture', { amount: 1 }).then((r) => r)).status, 202);
  assert.equal((await fetch(`${h.sim.url}/payments/${id}/capture`, { method: 'POST' })).status, 401);

  const ok = await fetch(url, { headers: apiHeaders() });
  assert.equal(ok.status, 200);
  const payment = QuickPayPaymentSchema.parse(await ok.json());
  assert.equal(payment.id, id);
});

test('unknown payments are 404; search by order_id returns an array', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await paidPayment(h);
  assert.equal((await fetch(`${h.sim.url}/payments/999`, { headers: apiHeaders() })).status, 404);
  assert.equal((await fetch(`${h.sim.url}/payments/abc`, { headers: apiHeaders() })).status, 404);
  assert.equal((await command(h, 999, 'capture', { amount: 1 })).status, 404);

  const found = await fetch(`${h.sim.url}/payments?order_id=${encodeURIComponent(orderId)}`, { headers: apiHeaders() });
  assert.equal(found.status, 200);
  const list = (await found.json()) as { id: number }[];
  assert.deepEqual(
    list.map((p) => p.id),
    [id],
  );
  const none = await fetch(`${h.sim.url}/payments?order_id=nope`, { headers: apiHeaders() });
  assert.deepEqual(await none.json(), []);
});

test('capture is limited to the authorised amount not yet captured', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id, orderId } = await paidPayment(h, '10000');
  const over = await command(h, id, 'capture', { amount: 10001 });
  assert.equal(over.status, 400);
  assert.match(((await over.json()) as { message: string }).message, /exceeds/);

  const part = await command(h, id, 'capture', { amount: 6000 });
  assert.equal(part.status, 202);
  const afterPart = QuickPayPaymentSchema.parse(await part.json());
  assert.deepEqual(
    afterPart.operations.map((o) => [o.type, o.amount, o.qp_status_code]),
    [
      ['authorize', 10000, '20000'],
      ['capture', 10001, '40001'],
      ['capture', 6000, '20000'],
    ],
  );
  assert.equal(afterPart.state, 'processed');
  assert.equal(afterPart.balance, 6000);
  assert.equal(toPaymentStateEvent(afterPart)?.amountCaptured, 6000);

  assert.equal((await command(h, id, 'capture', { amount: 4001 })).status, 400);
  assert.equal((await command(h, id, 'capture', { amount: 4000 })).status, 202);
  assert.equal((await command(h, id, 'capture', { amount: 1 })).status, 400);
  assert.equal((await command(h, id, 'capture', {})).status, 400, 'amount is required');

  // Every operation, failed ones included, produced a callback (authorize + 5 captures = 6).
  const received = await h.shop.waitFor(orderId, 6);
  assert.equal(received.at(-1)!.json.operations.length, 6);
});

test('refund is limited to what is captured and not refunded; cancel only before any capture', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const { id } = await paidPayment(h, '10000');
  assert.equal((await command(h, id, 'refund', { amount: 1 })).status, 400, 'nothing captured yet');
  assert.equal((await command(h, id, 'capture', { amount: 10000 })).status, 202);
  assert.equal((await command(h, id, 'cancel')).status, 400, 'captured payments cannot be cancelled');
  assert.equal((await command(h, id, 'refund', { amount: 3000 })).status, 202);
  assert.equal((await command(h, id, 'refund', { amount: 7001 })).status, 400);
  const last = await command(h, id, 'refund', { amount: 7000 });
  assert.equal(last.status, 202);
  const payment = QuickPayPaymentSchema.parse(await last.json());
  assert.equal(payment.balance, 0);
  const event = toPaymentStateEvent(payment);
  assert.equal(event?.status, PaymentStatus.REFUNDED);
  assert.equal(event?.amountRefunded, 10000);

  const { id: other } = await paidPayment(h);
  const cancelled = await command(h, other, 'cancel');
  assert.equal(cancelled.status, 202);
  const cancelledPayment = QuickPayPaymentSchema.parse(await cancelled.json());
  assert.equal(toPaymentStateEvent(cancelledPayment)?.status, PaymentStatus.CANCELLED);
  assert.equal((await command(h, other, 'capture', { amount: 1 })).status, 400, 'no capture after cancel');
  assert.equal((await command(h, other, 'cancel')).status, 400, 'no second cancel');
});

test('commands on an unpaid payment fail with 40001; unknown commands are 404', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const id = await openWindow(h, newOrderId());
  const res = await command(h, id, 'capture', { amount: 100 });
  assert.equal(res.status, 400);
  const snapshot = h.sim.payment(id)!;
  assert.equal(snapshot.payment.operations[0].qp_status_code, '40001');
  assert.equal(snapshot.payment.accepted, false);
  assert.equal((await command(h, id, 'explode')).status, 404);
});
