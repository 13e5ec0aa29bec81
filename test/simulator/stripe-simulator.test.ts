/**
 * The Stripe simulator, driven by the real adapter (its API client) and by Stripe's own webhook verifier: what it
 * answers, that it honours Idempotency-Key, that its webhooks verify with the official library and carry our
 * reference, and that its faults (drop, duplicate) do what they say.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { DrawMethod, GatewayApiError, OperationKind, type GatewayPayment, type PaymentRequestInput } from '../../src/gateways/gateway.js';
import { StripeGateway } from '../../src/gateways/stripe/stripe.adapter.js';
import { readStripeConfig } from '../../src/gateways/stripe/stripe.config.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';
import { startStripeSimulator, type StripeSimulator } from '../../src/simulator/stripe/stripe-simulator.js';

const KEYS = { apiKey: 'sk_test_sim', webhookSecret: 'whsec_sim' };

describe('the Stripe simulator', () => {
  let sim: StripeSimulator;
  let gateway: StripeGateway;
  let receiver: Server;
  const received: { body: string; signature: string }[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;
    sim = await startStripeSimulator({ ...KEYS, webhookUrl: `http://127.0.0.1:${port}/`, retryIntervalMs: 50 });
    gateway = new StripeGateway(readStripeConfig({ STRIPE_API_KEY: KEYS.apiKey, STRIPE_WEBHOOK_SECRET: KEYS.webhookSecret, STRIPE_API_URL: sim.url }).config!);
  });
  after(async () => {
    await sim?.close();
    await new Promise((r) => receiver?.close(r));
  });

  const request = (reference: string, key = `payment:${reference}`): PaymentRequestInput => ({
    payment: { reference, gatewayPaymentId: null, gatewayData: {} },
    amount: 5000,
    currency: 'DKK',
    terms: { drawMethod: DrawMethod.AUTHORIZE, gatewayFeeAllowed: false, lockedTo: null },
    continueUrl: 'https://shop.test/ok',
    cancelUrl: 'https://shop.test/cancel',
    callbackUrl: 'unused',
    language: 'en',
    idempotencyKey: key,
  });

  /** A payment created through the adapter and paid on the hosted page. */
  async function paid(reference: string): Promise<GatewayPayment> {
    const created = await gateway.createPayment(request(reference));
    const res = await fetch(created.gatewayData.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=authorise' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), 'https://shop.test/ok');
    return { reference, gatewayPaymentId: null, gatewayData: created.gatewayData };
  }

  it('replays the first answer to a repeated Idempotency-Key, and refuses the key with other parameters', async () => {
    const a = await gateway.createPayment(request('SIDEM'));
    const b = await gateway.createPayment(request('SIDEM'));
    assert.deepEqual(a, b, 'one session');
    const other = await gateway.createPayment({ ...request('SIDEM'), amount: 1 }).catch((e: unknown) => e);
    assert.ok(other instanceof GatewayApiError && other.status === 400 && /idempotency_error/.test(other.message));
  });

  it('finds the PaymentIntent through the session, and captures, refunds, with the ledger’s operations', async () => {
    const payment = await paid('SCAP');
    const authorised = (await gateway.fetchPaymentStatus(payment))!;
    assert.deepEqual([authorised.status, authorised.amountAuthorized, authorised.currency], [PaymentStatus.AUTHORIZED, 5000, 'DKK']);
    const withId = { ...payment, gatewayPaymentId: authorised.gatewayPaymentId };
    const captured = await gateway.capture(withId, 4000, { idempotencyKey: 'cap-1' });
    const again = await gateway.capture(withId, 4000, { idempotencyKey: 'cap-1' });
    assert.deepEqual(again, captured, 'a repeated capture is replayed, not done twice');
    assert.deepEqual([captured.status, captured.amountCaptured, captured.operations?.map((o) => o.kind)], [PaymentStatus.CAPTURED, 4000, [OperationKind.CAPTURE]]);
    const refunded = await gateway.refund(withId, 1500, { idempotencyKey: 'ref-1' });
    assert.deepEqual([refunded.status, refunded.amountRefunded, refunded.operations?.length], [PaymentStatus.REFUNDED, 1500, 2]);
    assert.ok(refunded.sequence > captured.sequence && captured.sequence > authorised.sequence);
    const tooMuch = await gateway.refund(withId, 9999, { idempotencyKey: 'ref-2' }).catch((e: unknown) => e);
    assert.equal((tooMuch as GatewayApiError).status, 400);
  });

  it('voids an authorisation', async () => {
    const payment = await paid('SVOID');
    const pi = (await gateway.fetchPaymentStatus(payment))!.gatewayPaymentId;
    const voided = await gateway.cancel({ ...payment, gatewayPaymentId: pi }, { idempotencyKey: 'void-1' });
    assert.deepEqual([voided.status, voided.amountAuthorized, voided.operations?.map((o) => o.kind)], [PaymentStatus.CANCELLED, 5000, [OperationKind.CANCEL]]);
  });

  it('says nothing of a session nobody paid, and refuses a wrong API key', async () => {
    const created = await gateway.createPayment(request('SUNPAID'));
    assert.equal(await gateway.fetchPaymentStatus({ reference: 'SUNPAID', gatewayPaymentId: null, gatewayData: created.gatewayData }), null);
    const res = await fetch(`${sim.url}/v1/payment_intents/pi_x`, { headers: { authorization: 'Bearer sk_test_wrong' } });
    assert.equal(res.status, 401);
  });

  it('signs webhooks that Stripe’s own library verifies, naming our reference', async () => {
    await paid('SHOOK');
    const events = await sim.waitForDeliveries((d) => d.reference === 'SHOOK' && d.delivered, 2);
    const stripe = new Stripe('sk_test_x');
    const mine = received.filter((r) => events.some((e) => r.body.includes(e.eventId)));
    assert.equal(mine.length, 2);
    for (const r of mine) {
      const event = stripe.webhooks.constructEvent(r.body, r.signature, KEYS.webhookSecret);
      assert.equal((event.data.object as { metadata?: { reference?: string } }).metadata?.reference, 'SHOOK');
    }
  });

  it('drops or duplicates a payment’s webhooks when told to', async () => {
    sim.setFaults('SDROP', { drop: true });
    sim.setFaults('SDUP', { duplicate: 2 });
    await paid('SDROP');
    await paid('SDUP');
    await sim.waitForDeliveries((d) => d.reference === 'SDUP' && d.delivered, 6);
    assert.equal(sim.deliveries('SDROP').length, 0);
    assert.equal(sim.events('SDROP').length, 2, 'the events exist; they were not sent');
  });
});
