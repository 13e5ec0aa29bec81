/**
 * Seed 003's payment-method rules end to end, over real HTTP through the QuickPay simulator: the fee QuickPay adds
 * when the method allows it (autofee), with the 01/25 card whose first callback is refused, and a test card on a
 * method that does not allow test cards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayName } from '../../src/gateways/gateway.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { simulatedFee } from '../../src/simulator/simulator-service.js';
import { startQuickPaySimulator, type QuickPaySimulator } from '../../src/simulator/quickpay-simulator.js';
import { CreatePaymentMethodDocument, OrderDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';
import { field, openPaymentWindow, pay } from './payment-window.js';

describe('payment-method rules end to end (QuickPay simulator)', () => {
  let sim: QuickPaySimulator;
  let svc: TestService;

  before(async () => {
    sim = await startQuickPaySimulator({ apiKey: TEST_KEYS.apiKey, privateKey: TEST_KEYS.privateKey, merchantId: TEST_KEYS.merchantId, retryIntervalMs: 100, maxAttempts: 5 });
    svc = await startTestService({ env: { QUICKPAY_PAYMENT_WINDOW_URL: sim.url, QUICKPAY_API_URL: sim.url } });
    await seedCatalogue(svc);
    for (const input of [
      { code: 'card-fee', name: 'Card, fee added', gateway: GatewayName.QUICKPAY, gatewayFeeAllowed: true, testCardsAllowed: true },
      { code: 'live-card', name: 'Card', gateway: GatewayName.QUICKPAY, testCardsAllowed: false },
    ]) {
      await svc.gqlOk(CreatePaymentMethodDocument, { input });
    }
  });
  after(async () => {
    await sim?.close();
    await svc?.close();
  });

  /** Pays the order in the simulated window with `card` fields, and waits until a callback was answered 2xx. */
  async function payAndDeliver(co: Checkout, card: Record<string, string> = {}): Promise<number[]> {
    const hop = await pay(await openPaymentWindow(co.redirect), card);
    assert.equal(hop.status, 303);
    const paymentId = sim.paymentByOrderId(co.order.payment.reference)!.payment.id;
    await sim.waitForDeliveries(paymentId, 1, 5000, (a) => a.delivered);
    return sim.deliveries(paymentId).map((a) => a.statusCode ?? 0);
  }
  const order = async (id: string) => (await svc.gqlOk(OrderDocument, { id })).order;

  it('expects and shows the fee QuickPay adds, also when the first callback (card 01/25) is refused', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'card-fee');
    assert.equal(field(co.redirect, 'autofee'), '1');
    const statuses = await payAndDeliver(co, { exp_month: '01', exp_year: '25' });
    assert.deepEqual(statuses, [401, 200], 'the first attempt is refused, the resend applied');
    const fee = simulatedFee(co.order.total);
    assert.ok(fee > 0);
    const o = await order(co.order.id);
    assert.equal(o.status, 'READY');
    assert.equal(o.fee, fee);
    assert.equal(o.totalWithFee, co.order.total + fee);
    assert.equal(o.payment?.amountAuthorized, co.order.total + fee, 'QuickPay authorised the total and its fee');
  });

  it('records a test-card payment on a method that does not allow test cards, answers it, and never makes the order ready', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'live-card');
    assert.equal(field(co.redirect, 'autofee'), '0');
    const statuses = await payAndDeliver(co);
    assert.deepEqual(statuses, [200], 'answered 2xx: QuickPay stops resending');
    const o = await order(co.order.id);
    assert.equal(o.status, 'PENDING_PAYMENT');
    assert.equal(o.payment?.testMode, true);
    assert.deepEqual(o.flags, [OrderFlag.TEST_PAYMENT_REFUSED]);
    // The order's history says a test card was used.
    const trail = await inspect(svc.services).transitions(co.order.id);
    assert.ok(trail.some((t) => /test mode false -> true/.test(t.detail ?? '')), JSON.stringify(trail.map((t) => t.detail)));
  });
});
