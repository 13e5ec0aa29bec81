/**
 * A Stripe purchase end to end, over real HTTP: the storefront's checkout creates a Checkout Session at the Stripe
 * simulator, the shopper pays on its hosted page, the simulator's signed webhooks reach the callback bridge (with
 * duplicates, swapped order and resends), each is confirmed by fetching the PaymentIntent, and the back office
 * captures through the operations ledger. Nothing is stubbed between the simulator and the service. On SQLite and
 * PostgreSQL (TEST_DATABASE).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayName } from '../../src/gateways/gateway.js';
import { InboxStatus } from '../../src/modules/inbox/inbox-message.entity.js';
import { startStripeSimulator, type StripeSimulator } from '../../src/simulator/stripe/stripe-simulator.js';
import { CapturePaymentDocument, CreatePaymentMethodDocument, OrderDocument, PaymentOperationsDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const STRIPE = { apiKey: 'sk_test_e2e_key', webhookSecret: 'whsec_e2e_secret' };

describe(`a Stripe purchase end to end (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let sim: StripeSimulator;
  let svc: TestService;
  let db: ReturnType<typeof inspect>;

  before(async () => {
    sim = await startStripeSimulator({ ...STRIPE, retryIntervalMs: 100, maxAttempts: 5 });
    svc = await startTestService({ env: { STRIPE_API_KEY: STRIPE.apiKey, STRIPE_WEBHOOK_SECRET: STRIPE.webhookSecret, STRIPE_API_URL: sim.url, STRIPE_API_TIMEOUT_MS: '2000' } });
    sim.setWebhookUrl(`${svc.url}/callbacks/stripe`);
    db = inspect(svc.services);
    await seedCatalogue(svc);
    await svc.gqlOk(CreatePaymentMethodDocument, { input: { code: 'stripe-card', name: 'Card (Stripe)', gateway: GatewayName.STRIPE, testCardsAllowed: true } });
  });
  after(async () => {
    await sim?.close();
    await svc?.close();
  });

  /** A checkout with the Stripe method: the storefront is sent to the Checkout Session's hosted page. */
  async function placeOrder(): Promise<{ co: Checkout; reference: string }> {
    const co = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'stripe-card');
    const reference = co.order.payment.reference;
    const session = sim.byReference(reference)?.session;
    assert.ok(session, 'the Checkout Session was created at checkout');
    assert.deepEqual({ method: co.redirect.method, url: co.redirect.url }, { method: 'GET', url: session.url });
    assert.equal(session.amount_total, co.order.total);
    return { co, reference };
  }

  /** What the shopper does on the hosted page: GET it, then post the button. Returns where Stripe sends them. */
  async function payOnPage(url: string, outcome: 'authorise' | 'decline'): Promise<string | null> {
    assert.equal((await fetch(url)).status, 200);
    const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `outcome=${outcome}` });
    assert.equal(res.status, 303);
    return res.headers.get('location');
  }

  /** Waits until every event of the payment so far got a 2xx (each copy once). */
  async function delivered(reference: string, copies = 1): Promise<void> {
    const ids = new Set(sim.events(reference).map((e) => e.id));
    await sim.waitForDeliveries((d) => d.reference === reference && d.delivered, ids.size * copies, 5000);
  }

  const orderStatus = async (orderId: string) => (await db.order(orderId)).status;
  const inboxOf = async (reference: string) => (await db.inbox()).filter((m) => m.paymentReference === reference);

  it('pays on the hosted page, and the webhooks make the order ready with the authorised amount', async () => {
    const { co, reference } = await placeOrder();
    assert.equal(await payOnPage(co.redirect.url, 'authorise'), sim.byReference(reference)!.session.success_url);
    await delivered(reference);
    const payment = await db.payment(co.order.id);
    assert.equal(await orderStatus(co.order.id), 'READY');
    assert.deepEqual([payment.status, payment.amountAuthorized, payment.gatewayPaymentId, payment.gatewayCurrency], ['AUTHORIZED', co.order.total, sim.byReference(reference)!.intent!.id, 'DKK']);
    // Two events (the PaymentIntent's and the session's), each confirmed by asking: one moved the payment, one did not.
    const inbox = await inboxOf(reference);
    assert.deepEqual(inbox.map((m) => m.status).sort(), [InboxStatus.IGNORED, InboxStatus.PROCESSED].sort(), JSON.stringify(inbox.map((m) => m.outcome)));
    const shown = JSON.stringify(await svc.gqlOk(OrderDocument, { id: co.order.id }));
    for (const secret of [STRIPE.apiKey, STRIPE.webhookSecret, sim.byReference(reference)!.session.id]) assert.ok(!shown.includes(secret), `GraphQL does not show ${secret.slice(0, 8)}...`);
  });

  it('a declined card, then a paid one, with every event duplicated and pairs swapped, still ends ready once', async () => {
    const { co, reference } = await placeOrder();
    sim.setFaults(reference, { duplicate: 2, reorder: true });
    // The decline is held back by the reorder fault and arrives after the authorisation's event.
    await payOnPage(co.redirect.url, 'decline');
    await payOnPage(co.redirect.url, 'authorise');
    sim.flushHeld();
    await delivered(reference, 3);
    assert.equal(await orderStatus(co.order.id), 'READY');
    assert.equal((await db.payment(co.order.id)).status, 'AUTHORIZED');
    const transitions = (await db.transitions(co.order.id)).map((t) => `${t.fromStatus}->${t.toStatus}`);
    assert.equal(transitions.filter((t) => t.endsWith('->READY')).length, 1, transitions.join(', '));
    assert.equal(transitions.filter((t) => t.endsWith('->REFUSED')).length, 0, 'the late decline was confirmed against the PaymentIntent, which is authorised');
    // Three copies of three events: three recorded, the other copies answered as duplicates (2xx, nothing applied).
    assert.equal((await inboxOf(reference)).length, 3);
    assert.ok(sim.deliveries(reference).every((d) => d.statusCode === 200));
  });

  it('a resent event (same id, fresh signature) is a duplicate; a forged one is refused', async () => {
    const { co, reference } = await placeOrder();
    await payOnPage(co.redirect.url, 'authorise');
    await delivered(reference);
    const before = (await inboxOf(reference)).length;
    const first = sim.events(reference)[0];
    sim.resend(first.id);
    await sim.waitForDeliveries((d) => d.eventId === first.id && d.delivered, 2);
    assert.equal((await inboxOf(reference)).length, before, 'nothing new recorded');

    const body = JSON.stringify(first);
    const forged = await fetch(`${svc.url}/callbacks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` }, body });
    assert.equal(forged.status, 400);
    const rejected = (await inboxOf(reference)).filter((m) => m.status === InboxStatus.REJECTED);
    assert.deepEqual(rejected.map((m) => m.outcome), ['no v1 signature matches the body']);
  });

  it('captures through the back office with the idempotency key, once, and the events after it change nothing', async () => {
    const { co, reference } = await placeOrder();
    await payOnPage(co.redirect.url, 'authorise');
    await delivered(reference);
    const capture = () => svc.gql(CapturePaymentDocument, { orderId: co.order.id, idempotencyKey: `capture-${co.order.id}`, amount: 3000, reason: 'shipped' });
    const first = await capture();
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const op = first.data!.capturePayment.operation;
    assert.deepEqual([op.status, op.amount, op.gatewayOperationId], ['SUCCEEDED', 3000, sim.byReference(reference)!.intent!.latest_charge]);
    assert.deepEqual([first.data!.capturePayment.order.payment.status, first.data!.capturePayment.order.payment.amountCaptured], ['CAPTURED', 3000]);
    const intent = sim.byReference(reference)!.intent!;
    assert.deepEqual([intent.status, intent.amount_received], ['succeeded', 3000]);

    const repeat = await capture();
    assert.equal(repeat.data?.capturePayment.operation.id, op.id, 'the repeat answers the same operation');
    await delivered(reference);
    const ledger = (await svc.gqlOk(PaymentOperationsDocument, { orderId: co.order.id })).paymentOperations;
    assert.deepEqual(ledger.map((o) => [o.kind, o.amount, o.status]), [['CAPTURE', 3000, 'SUCCEEDED']], 'one capture, however many events told of it');
    assert.equal((await db.payment(co.order.id)).amountCaptured, 3000);
  });
});
