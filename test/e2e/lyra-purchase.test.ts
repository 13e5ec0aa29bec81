/**
 * A Lyra purchase end to end over real HTTP: the storefront's checkout, the Lyra simulator's payment page posted to
 * with the signed form (which it verifies), the shopper paying, Lyra's signed form IPN to the callback bridge, the
 * signed return, and a capture from the back office settled by the simulator's capture batch and its IPN.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayName } from '../../src/gateways/gateway.js';
import { startLyraSimulator, type LyraSimulator } from '../../src/simulator/lyra/lyra-simulator.js';
import { CapturePaymentDocument, ReportRedirectOutcomeDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const SITE = '12345678';
const KEY = 'lyra-test-key-0001';
const REST_PASSWORD = 'testpassword_0001';

describe(`Lyra purchase end to end (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let sim: LyraSimulator;
  let svc: TestService;

  before(async () => {
    sim = await startLyraSimulator({ siteId: SITE, key: KEY, restPassword: REST_PASSWORD, retryIntervalMs: 50, maxAttempts: 3 });
    svc = await startTestService({
      env: {
        LYRA_SITE_ID: SITE,
        LYRA_KEY_TEST: KEY,
        LYRA_REST_PASSWORD: REST_PASSWORD,
        LYRA_PAYMENT_URL: `${sim.url}/vads-payment/`,
        LYRA_API_URL: sim.url,
        LYRA_ALLOWED_SOURCES: '127.0.0.1,::1,::ffff:127.0.0.1',
      },
      paymentMethod: { code: 'lyra', name: 'Card (Lyra)', gateway: GatewayName.LYRA, testCardsAllowed: true },
    });
    await seedCatalogue(svc);
  });
  after(async () => {
    await sim?.close();
    await svc?.close();
  });

  /** Checks out with Lyra and posts the signed form to the payment page; the transaction's uuid at the simulator. */
  async function placeAndOpen() {
    const co = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'lyra');
    const redirect = co.redirect!;
    const res = await fetch(redirect.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(redirect.fields.map((f) => [f.name, f.value])).toString() });
    const page = await res.text();
    assert.equal(res.status, 200, page);
    const uuid = /transaction ([0-9a-f]{32})/.exec(page)![1];
    return { co, uuid };
  }
  const pay = async (uuid: string, outcome: string) => {
    const res = await fetch(`${sim.url}/vads-payment/${uuid}/pay`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `outcome=${outcome}` });
    assert.equal(res.status, 303);
    return new URL(res.headers.get('location')!);
  };

  it('pays: the signed IPN makes the order READY, a duplicate IPN is answered as such, the signed return agrees', async () => {
    const { co, uuid } = await placeAndOpen();
    sim.faults.duplicate = true;
    const back = await pay(uuid, 'approve');
    await sim.settled();
    sim.faults.duplicate = false;
    const db = inspect(svc.services);
    assert.equal((await db.order(co.order.id)).status, 'READY');
    const answers = sim.sent.filter((s) => s.fields.vads_order_id === co.order.payment.reference);
    assert.deepEqual(answers.map((a) => a.status), [200, 200]);
    assert.ok(answers.some((a) => /already received|accepted/.test(a.body)) && answers.every((a) => !/</.test(a.body)));

    const params = [...back.searchParams].map(([key, value]) => ({ key, value }));
    const reported = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'SUCCESS', params }, co.accessToken);
    assert.equal(reported.reportRedirectOutcome.order.status, 'READY');
    // A tampered return is a hint, not Lyra's word.
    const tampered = params.map((p) => (p.key === 'vads_trans_status' ? { ...p, value: 'CAPTURED' } : p));
    const hint = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'SUCCESS', params: tampered }, co.accessToken);
    assert.equal(hint.reportRedirectOutcome.order.paymentStatus, 'AUTHORIZED');
  });

  it('a refused payment cancels the order; a dropped IPN leaves it waiting', async () => {
    const refused = await placeAndOpen();
    await pay(refused.uuid, 'refuse');
    await sim.settled();
    assert.equal((await inspect(svc.services).order(refused.co.order.id)).status, 'CANCELLED');

    const dropped = await placeAndOpen();
    sim.faults.dropNext = 1;
    await pay(dropped.uuid, 'approve');
    await sim.settled();
    assert.equal((await inspect(svc.services).order(dropped.co.order.id)).status, 'PENDING_PAYMENT');
    // The reconciler's question: Lyra's REST API says it is authorised.
    const event = await svc.services.gateways.get(GatewayName.LYRA).fetchPaymentStatus({ reference: dropped.co.order.payment.reference, gatewayPaymentId: null, gatewayData: {} });
    assert.equal(event?.status, 'AUTHORIZED');
  });

  it('captures from the back office: validated at once, captured by the batch and its IPN; a failed batch flags the order', async () => {
    const { co, uuid } = await placeAndOpen();
    await pay(uuid, 'approve');
    await sim.settled();
    const captured = await svc.gqlOk(CapturePaymentDocument, { orderId: co.order.id, idempotencyKey: `cap-${co.order.id}`, amount: null });
    assert.equal(captured.capturePayment.operation.status, 'REQUESTED', 'validated; Lyra captures at its batch');
    assert.equal(captured.capturePayment.order.payment!.status, 'AUTHORIZED');

    await fetch(`${sim.url}/control/capture-batch`, { method: 'POST' });
    await sim.settled();
    const db = inspect(svc.services);
    assert.equal((await db.payment(co.order.id)).status, 'CAPTURED');
    assert.equal((await db.payment(co.order.id)).amountCaptured, co.order.total);

    const other = await placeAndOpen();
    await pay(other.uuid, 'approve');
    await sim.settled();
    await svc.gqlOk(CapturePaymentDocument, { orderId: other.co.order.id, idempotencyKey: `cap-${other.co.order.id}`, amount: null });
    await fetch(`${sim.url}/control/capture-batch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'fail=true' });
    await sim.settled();
    const order = await db.order(other.co.order.id);
    assert.ok(order.flags.includes('GATEWAY_ANOMALY' as never), JSON.stringify(order.flags));
    assert.equal((await db.payment(other.co.order.id)).status, 'AUTHORIZED');
  });
});
