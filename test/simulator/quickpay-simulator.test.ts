/**
 * The QuickPay simulator end to end over real HTTP: the signed window form, the card form, approved and declined
 * payments, the callbacks the shop receives (signature, headers, body), seed 003's 01/25 expiry, retries, and
 * interoperation with our own QuickPay adapter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrawMethod } from '../../src/gateways/gateway.js';
import { QuickPayGateway } from '../../src/gateways/quickpay/quickpay.adapter.js';
import { QuickPayPaymentSchema, toPaymentStateEvent } from '../../src/gateways/quickpay/quickpay.payment.js';
import { signCallbackBody } from '../../src/gateways/quickpay/quickpay.signing.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';
import {
  API_KEY,
  MERCHANT_ID,
  PRIVATE_KEY,
  newOrderId,
  openWindow,
  pay,
  postForm,
  sleep,
  startHarness,
  startRetryingDelivery,
  windowForm,
} from './simulator-test-kit.js';

test('a correctly signed window form creates an initial payment and redirects to its card form', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const res = await postForm(`${h.sim.url}/`, windowForm(h.shop, orderId));
  assert.equal(res.status, 303);
  const location = res.headers.get('location')!;
  assert.match(location, new RegExp(`^${h.sim.url}/window/\\d+$`));

  const [snapshot] = h.sim.payments();
  assert.equal(snapshot.payment.order_id, orderId);
  assert.equal(snapshot.payment.state, 'initial');
  assert.equal(snapshot.payment.accepted, false);
  assert.deepEqual(snapshot.payment.operations, []);
  assert.equal(snapshot.payment.link.amount, 12345);
  assert.equal(snapshot.payment.link.callback_url, h.shop.callbackUrl);
  assert.equal(location, `${h.sim.url}/window/${snapshot.payment.id}`);

  const page = await fetch(location);
  assert.equal(page.status, 200);
  const html = await page.text();
  for (const id of ['pay', 'cancel', 'card', 'exp-month', 'exp-year']) assert.match(html, new RegExp(`id="${id}"`));
  assert.match(html, /id="card"[^>]*value="1000 0000 0000 0008"/);
  assert.match(html, /id="exp-month"[^>]*value="12"/);
  assert.match(html, /id="exp-year"[^>]*value="30"/);
  assert.match(html, /123\.45 DKK/);
  assert.match(html, new RegExp(orderId));
  assert.match(html, new RegExp(`action="/window/${snapshot.payment.id}/pay"`));

  // Posting the same order id again reuses the payment, as QuickPay does.
  const again = await openWindow(h, orderId);
  assert.equal(again, snapshot.payment.id);
  assert.equal(h.sim.payments().length, 1);
});

test('a window form with a wrong checksum or a missing field is refused with a 400 page', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const wrongKey = await postForm(`${h.sim.url}/`, windowForm(h.shop, newOrderId(), {}, 'not-the-api-key'));
  assert.equal(wrongKey.status, 400);
  assert.match(await wrongKey.text(), /checksum does not match/);

  const tampered = windowForm(h.shop, newOrderId());
  tampered.amount = '1';
  const tamperedRes = await postForm(`${h.sim.url}/`, tampered);
  assert.equal(tamperedRes.status, 400);

  const missing = windowForm(h.shop, newOrderId());
  delete missing.callbackurl;
  const missingRes = await postForm(`${h.sim.url}/`, missing);
  assert.equal(missingRes.status, 400);
  assert.match(await missingRes.text(), /missing field callbackurl/);

  const otherMerchant = await postForm(`${h.sim.url}/`, windowForm(h.shop, newOrderId(), { merchant_id: '1' }));
  assert.equal(otherMerchant.status, 400);
  assert.equal(h.sim.payments().length, 0);
});

test('paying with the test card sends a signed callback whose body our adapter reads as authorised', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  const res = await pay(h, id);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), 'http://shop.test/continue');

  const [cb] = await h.shop.waitFor(orderId, 1);
  assert.equal(cb.headers['content-type'], 'application/json');
  assert.equal(cb.headers['quickpay-resource-type'], 'Payment');
  assert.equal(cb.headers['quickpay-account-id'], MERCHANT_ID);
  assert.equal(cb.headers['quickpay-api-version'], 'v10');
  assert.equal(cb.headers['quickpay-checksum-sha256'], signCallbackBody(cb.body, PRIVATE_KEY));
  assert.ok(cb.checksumValid);

  const payment = QuickPayPaymentSchema.parse(JSON.parse(cb.body));
  assert.equal(payment.id, id);
  assert.equal(payment.order_id, orderId);
  assert.equal(payment.accepted, true);
  assert.equal(payment.state, 'new');
  assert.equal(payment.test_mode, true);
  assert.equal(payment.fee, 0);
  assert.equal(payment.link?.amount, 12345);
  assert.equal(payment.operations.length, 1);
  assert.equal(payment.operations[0].type, 'authorize');
  assert.equal(payment.operations[0].qp_status_code, '20000');
  assert.equal(payment.operations[0].pending, false);
  assert.equal(payment.operations[0].amount, 12345);
  assert.equal((payment as { metadata?: { last4?: string } }).metadata?.last4, '0008');
  assert.ok(!cb.body.includes('1000000000000008'), 'the full card number never leaves the window');

  const event = toPaymentStateEvent(payment);
  assert.equal(event?.status, PaymentStatus.AUTHORIZED);
  assert.equal(event?.amountAuthorized, 12345);
  assert.equal(event?.testMode, true);

  const [attempt] = await h.sim.waitForDeliveries(id, 1);
  assert.equal(attempt.statusCode, 200);
  assert.equal(attempt.delivered, true);
  assert.equal(attempt.attempt, 1);
  assert.equal(attempt.operationId, 1);

  // The window now shows the payment as paid and a second Pay does not authorise twice.
  assert.match(await (await fetch(`${h.sim.url}/window/${id}`)).text(), /already paid/);
  const second = await pay(h, id);
  assert.equal(second.status, 303);
  await sleep(100);
  assert.equal(h.sim.payment(id)!.payment.operations.length, 1);
  assert.equal(h.shop.forOrder(orderId).length, 1);
});

test('a declined card keeps the shopper in the window; a later good card authorises with a new callback', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);

  const declined = await pay(h, id, '1000 0000 0000 0002');
  assert.equal(declined.status, 200);
  const html = await declined.text();
  assert.match(html, /id="error"[^>]*>The card was declined/);
  assert.match(html, /id="card"[^>]*value="1000 0000 0000 0002"/);

  const [first] = await h.shop.waitFor(orderId, 1);
  const rejected = QuickPayPaymentSchema.parse(first.json);
  assert.equal(rejected.accepted, false);
  assert.equal(rejected.state, 'rejected');
  assert.equal(rejected.operations[0].qp_status_code, '40000');
  assert.equal(toPaymentStateEvent(rejected)?.status, PaymentStatus.REFUSED);

  const retry = await pay(h, id);
  assert.equal(retry.status, 303);
  const callbacks = await h.shop.waitFor(orderId, 2);
  const approved = QuickPayPaymentSchema.parse(callbacks[1].json);
  assert.deepEqual(
    approved.operations.map((o) => [o.id, o.type, o.qp_status_code]),
    [
      [1, 'authorize', '40000'],
      [2, 'authorize', '20000'],
    ],
  );
  assert.equal(approved.accepted, true);
  assert.equal(toPaymentStateEvent(approved)?.status, PaymentStatus.AUTHORIZED);
});

test('an invalid card form is answered 400 without any operation or callback', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  const res = await pay(h, id, '1234', '13', '3');
  assert.equal(res.status, 400);
  assert.match(await res.text(), /id="error"/);
  await sleep(100);
  assert.equal(h.sim.payment(id)!.payment.operations.length, 0);
  assert.equal(h.shop.received.length, 0);
});

test('Cancel sends the shopper to cancelurl and sends no callback', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  const res = await postForm(`${h.sim.url}/window/${id}/cancel`, {});
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), 'http://shop.test/cancel');
  await sleep(150);
  assert.equal(h.shop.received.length, 0);
  assert.deepEqual(h.sim.payment(id)!.callbacks, []);
  assert.equal(h.sim.payment(id)!.payment.state, 'initial');
});

test('expiry 01/25 (seed 003): the first attempt carries a wrong checksum, the retry a good one', async (t) => {
  const h = await startHarness({ retryIntervalMs: 50 });
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  const res = await pay(h, id, '1000 0000 0000 0008', '01', '25');
  assert.equal(res.status, 303, 'the 01/25 card itself is accepted');

  const [first, second] = await h.shop.waitFor(orderId, 2);
  assert.equal(first.checksumValid, false);
  assert.notEqual(first.headers['quickpay-checksum-sha256'], signCallbackBody(first.body, PRIVATE_KEY));
  assert.match(String(first.headers['quickpay-checksum-sha256']), /^[0-9a-f]{64}$/, 'wrong but well formed');
  assert.equal(second.checksumValid, true);
  assert.equal(second.body, first.body, 'a retry resends the same bytes');
  assert.ok(second.receivedAt - first.receivedAt >= 40, 'the retry waits for the retry interval');

  const attempts = await h.sim.waitForDeliveries(id, 2);
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.checksumValid, a.statusCode, a.delivered]),
    [
      [1, false, 401, false],
      [2, true, 200, true],
    ],
  );
  await sleep(150);
  assert.equal(h.shop.forOrder(orderId).length, 2, 'no more attempts after a success');
  assert.equal(h.sim.payment(id)!.callbacks[0].copies[0].status, 'delivered');
});

test('callbacks are retried on errors up to maxAttempts, counting 302/303 as delivered', async (t) => {
  const h = await startHarness({ retryIntervalMs: 20, maxAttempts: 3 });
  t.after(h.close);
  const failing = newOrderId();
  const failingId = await openWindow(h, failing);
  const redirected = newOrderId();
  const redirectedId = await openWindow(h, redirected);
  h.shop.answer = (cb) => (cb.json.order_id === failing ? 500 : 303);

  await pay(h, failingId);
  await pay(h, redirectedId);
  const attempts = await h.sim.waitForDeliveries(failingId, 3);
  assert.deepEqual(
    attempts.map((a) => a.statusCode),
    [500, 500, 500],
  );
  await sleep(120);
  assert.equal(h.sim.deliveries(failingId).length, 3, 'gives up after maxAttempts');
  assert.equal(h.sim.payment(failingId)!.callbacks[0].copies[0].status, 'failed');

  const [redirect] = await h.sim.waitForDeliveries(redirectedId, 1);
  assert.equal(redirect.statusCode, 303);
  assert.equal(redirect.delivered, true);
  await sleep(60);
  assert.equal(h.sim.deliveries(redirectedId).length, 1);
});

test('an unreachable or silent shop is recorded as an error and retried', async (t) => {
  const h = await startHarness({ retryIntervalMs: 20, maxAttempts: 2, callbackTimeoutMs: 150 });
  t.after(h.close);
  const silent = newOrderId();
  const silentId = await openWindow(h, silent);
  h.shop.answer = () => 'hang';
  await pay(h, silentId);
  const timedOut = await h.sim.waitForDeliveries(silentId, 2, 3000);
  assert.equal(timedOut[0].statusCode, null);
  assert.match(timedOut[0].error ?? '', /no answer within 150 ms/);
  assert.equal(timedOut[0].delivered, false);

  const unreachable = newOrderId();
  const unreachableId = await openWindow(h, unreachable, { callbackurl: 'http://127.0.0.1:1/callback' });
  await pay(h, unreachableId);
  const refused = await h.sim.waitForDeliveries(unreachableId, 2);
  assert.equal(refused[0].statusCode, null);
  assert.match(refused[0].error ?? '', /ECONNREFUSED/);
});

test('autocapture=1 authorises and captures, with one callback per operation in order', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId, { autocapture: '1' });
  await pay(h, id);
  const [first, second] = await h.shop.waitFor(orderId, 2);
  assert.equal(first.json.operations.length, 1);
  assert.equal(second.json.operations[1].type, 'capture');
  const event = toPaymentStateEvent(QuickPayPaymentSchema.parse(second.json));
  assert.equal(event?.status, PaymentStatus.CAPTURED);
  assert.equal(event?.amountCaptured, 12345);
});

test('close() stops pending retries so nothing is sent afterwards', async (t) => {
  const { h, orderId, id } = await startRetryingDelivery(t, 30, 2);
  const pending = h.sim.waitForDeliveries(id, 1000, 10_000);
  await h.sim.close();
  await assert.rejects(pending, /simulator closed/);
  const count = h.shop.received.length;
  await sleep(150);
  assert.equal(h.shop.received.length, count);
});

test('our QuickPay adapter drives the simulator: window form, callback verification, status and capture', async (t) => {
  const h = await startHarness();
  t.after(h.close);
  const gateway = new QuickPayGateway({
    merchantId: MERCHANT_ID,
    agreementId: '8888',
    apiKey: API_KEY,
    privateKey: PRIVATE_KEY,
    paymentWindowUrl: h.sim.url,
    apiUrl: h.sim.url,
    allowedSources: [],
    apiTimeoutMs: 10_000,
  });
  const orderId = newOrderId('adapter');
  const redirect = gateway.buildPaymentRequest({
    payment: { reference: orderId, gatewayPaymentId: null, gatewayData: {} },
    amount: 5000,
    currency: 'DKK',
    terms: { drawMethod: DrawMethod.AUTHORIZE, gatewayFeeAllowed: false, lockedTo: null },
    continueUrl: 'http://shop.test/continue',
    cancelUrl: 'http://shop.test/cancel',
    callbackUrl: h.shop.callbackUrl,
    language: 'da',
    idempotencyKey: `payment:${orderId}`,
  });
  const opened = await postForm(redirect.url, redirect.fields);
  assert.equal(opened.status, 303);
  const id = Number(/(\d+)$/.exec(opened.headers.get('location')!)![1]);
  await pay(h, id);
  const [cb] = await h.shop.waitFor(orderId, 1);

  const headers = Object.fromEntries(Object.entries(cb.headers).map(([k, v]) => [k, String(v)]));
  const context = { now: new Date(), storedPayment: async () => null };
  assert.equal(await gateway.verifyNotification(Buffer.from(cb.body), headers, context), undefined);
  assert.equal(gateway.parseNotification(Buffer.from(cb.body))?.status, PaymentStatus.AUTHORIZED);

  const byReference = await gateway.fetchPaymentStatus({ reference: orderId, gatewayPaymentId: null, gatewayData: {} });
  assert.equal(byReference?.gatewayPaymentId, String(id));
  assert.equal(byReference?.status, PaymentStatus.AUTHORIZED);
  assert.equal(await gateway.fetchPaymentStatus({ reference: 'unknown', gatewayPaymentId: '1', gatewayData: {} }), null);

  const paid = { reference: orderId, gatewayPaymentId: String(id), gatewayData: {} };
  const captured = await gateway.capture(paid, 5000, { idempotencyKey: 'capture-1' });
  assert.equal(captured.status, PaymentStatus.CAPTURED);
  const refunded = await gateway.refund(paid, 2000, { idempotencyKey: 'refund-1' });
  assert.equal(refunded.status, PaymentStatus.REFUNDED);
  assert.equal(refunded.amountRefunded, 2000);
  await assert.rejects(gateway.refund(paid, 4000, { idempotencyKey: 'refund-2' }), /400/);
});
