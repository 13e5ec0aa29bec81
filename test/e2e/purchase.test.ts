/**
 * A purchase end to end, over real HTTP and WebSocket: the storefront's GraphQL calls, the QuickPay simulator's
 * payment window posted to as a browser would, its signed callbacks (with faults), its REST API, and the live status
 * a confirmation page watches. Nothing is stubbed between the simulator and the service.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startQuickPaySimulator, type QuickPaySimulator } from '../../src/simulator/quickpay-simulator.js';
import { CartDocument, OrderDocument, ReportRedirectOutcomeDocument, type RedirectOutcome } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, DEFAULT_CART, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { watchPaymentStatus, type StatusUpdate, type StatusWatch } from '../support/subscriptions.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';
import { cancel, field, openPaymentWindow, pay, type Hop } from './payment-window.js';

/** Time between the simulator's callback attempts: QuickPay's hour, shrunk. */
const RETRY_INTERVAL_MS = 100;

const isIncreasing = (updates: StatusUpdate[]) => updates.every((u, i) => i === 0 || u.sequence > updates[i - 1].sequence);
const states = (updates: StatusUpdate[]) => updates.map((u) => `${u.orderStatus}/${u.paymentStatus}`);
/** How many times the order entered READY, as the subscriber saw it. */
const readyEntries = (updates: StatusUpdate[]) =>
  updates.filter((u, i) => u.orderStatus === 'READY' && (i === 0 || updates[i - 1].orderStatus !== 'READY')).length;

/** The error code a refused subscription ended with (graphql-ws hands the sink the GraphQL errors). */
function errorCode(error: unknown): string | undefined {
  const first = Array.isArray(error) ? error[0] : error;
  return (first as { extensions?: { code?: string } } | undefined)?.extensions?.code;
}

describe('purchase end to end: storefront -> QuickPay simulator -> callback bridge -> live status', () => {
  let sim: QuickPaySimulator;
  let svc: TestService;
  let db: ReturnType<typeof inspect>;

  before(async () => {
    sim = await startQuickPaySimulator({
      apiKey: TEST_KEYS.apiKey,
      privateKey: TEST_KEYS.privateKey,
      merchantId: TEST_KEYS.merchantId,
      retryIntervalMs: RETRY_INTERVAL_MS,
      maxAttempts: 5,
    });
    svc = await startTestService({ env: { QUICKPAY_PAYMENT_WINDOW_URL: sim.url, QUICKPAY_API_URL: sim.url } });
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(async () => {
    await sim?.close();
    await svc?.close();
  });

  interface Placed {
    co: Checkout;
    orderId: string;
    token: string;
    /** QuickPay's order_id: our payment reference. */
    reference: string;
    cartId: string;
  }

  async function placeOrder(): Promise<Placed> {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    assert.equal(co.redirect.url, `${sim.url}/`, 'the storefront is sent to the simulated payment window');
    return { co, orderId: co.order.id, token: co.accessToken, reference: co.order.payment.reference, cartId };
  }

  /** Opens the confirmation page's subscription and waits for its first push (the current state). */
  async function watch(t: TestContext, p: Placed, token: string | null = p.token): Promise<StatusWatch> {
    const w = watchPaymentStatus(svc.url, p.orderId, token);
    t.after(() => w.close());
    await w.until((u) => u.length >= 1);
    return w;
  }

  /** Where the gateway sent the shopper back: must be the URL the order gave it, carrying the order and outcome. */
  function assertReturnedTo(hop: Hop, p: Placed, urlField: 'continueurl' | 'cancelurl', outcome: string): URLSearchParams {
    assert.equal(hop.status, 303, `the window answers with a 303 (got ${hop.status}: ${hop.body.slice(0, 300)})`);
    assert.equal(hop.location, field(p.co.redirect, urlField));
    const back = new URL(hop.location!);
    assert.equal(back.pathname, '/return', 'the placeholder return page, as STOREFRONT_RETURN_URL is unset');
    assert.equal(back.searchParams.get('order'), p.orderId);
    assert.equal(back.searchParams.get('outcome'), outcome);
    return back.searchParams;
  }

  /** What the confirmation page does on load: report the outcome with the order's token. */
  async function reportOutcome(p: Placed, query: URLSearchParams, outcome: RedirectOutcome) {
    const params = [...query].map(([key, value]) => ({ key, value }));
    const { reportRedirectOutcome } = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: p.orderId, outcome, params }, p.token);
    return reportRedirectOutcome;
  }

  const simPayment = (p: Placed) => {
    const snapshot = sim.paymentByOrderId(p.reference);
    assert.ok(snapshot, `the simulator has a payment for ${p.reference}`);
    return snapshot;
  };

  it('pays: current state, then PENDING from the redirect, then AUTHORIZED and READY from the callback', async (t) => {
    const p = await placeOrder();
    const live = await watch(t, p);
    // Hold the authorisation's callback until the shopper's redirect has been reported, so the two arrive in the
    // usual order every time (the reverse order is the next test).
    sim.setFaults(p.reference, { reorder: true });

    const page = await openPaymentWindow(p.co.redirect);
    const paymentId = simPayment(p).payment.id;
    assert.equal(page.url, `${sim.url}/window/${paymentId}`);
    assert.equal(page.forms['pay-form']?.action, `${sim.url}/window/${paymentId}/pay`);
    assert.match(page.html, new RegExp(`id="order-id">${p.reference}<`));
    assert.match(page.html, /id="amount" class="amount">219\.00 DKK</, 'the window shows the order total');
    const query = assertReturnedTo(await pay(page), p, 'continueurl', 'success');
    assert.equal(simPayment(p).callbacks[0]?.status, 'held');

    const reported = await reportOutcome(p, query, 'SUCCESS');
    assert.equal(reported.applied, true);
    assert.equal(reported.order.status, 'PENDING_PAYMENT', 'a redirect never marks an order paid');
    assert.equal(reported.order.paymentStatus, 'PENDING');
    await live.until((u) => u.some((x) => x.paymentStatus === 'PENDING'));

    sim.setFaults(p.reference, {}); // releases the held callback
    const updates = await live.until((u) => u.some((x) => x.orderStatus === 'READY'));
    assert.deepEqual(states(updates), ['PENDING_PAYMENT/INITIATED', 'PENDING_PAYMENT/PENDING', 'READY/AUTHORIZED']);
    assert.ok(isIncreasing(updates), `sequences increase: ${updates.map((u) => u.sequence)}`);
    assert.deepEqual(updates.map((u) => u.orderId), [p.orderId, p.orderId, p.orderId]);
    assert.deepEqual(updates.slice(1).map((u) => u.source), ['SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION']);
    assert.equal(live.error, undefined);

    const deliveries = sim.deliveries(paymentId);
    assert.deepEqual(deliveries.map((d) => [d.statusCode, d.checksumValid]), [[200, true]], 'one callback, accepted at once');
    const { order } = await svc.gqlOk(OrderDocument, { id: p.orderId }, p.token);
    assert.equal(order.status, 'READY');
    assert.equal(order.payment.amountAuthorized, order.total);
    assert.equal(order.payment.gatewayPaymentId, String(paymentId));
    assert.equal(order.payment.testMode, true, 'the simulator card is a test card, accepted in test mode');
  });

  it('a success redirect arriving after the callback changes nothing', async (t) => {
    const p = await placeOrder();
    const live = await watch(t, p);
    const query = assertReturnedTo(await pay(await openPaymentWindow(p.co.redirect)), p, 'continueurl', 'success');
    await live.until((u) => u.some((x) => x.orderStatus === 'READY'));

    const reported = await reportOutcome(p, query, 'SUCCESS');
    assert.equal(reported.applied, false);
    assert.match(reported.reason ?? '', /AUTHORIZED/);
    assert.equal(reported.order.status, 'READY');
    const { order } = await svc.gqlOk(OrderDocument, { id: p.orderId }, p.token);
    assert.equal(order.paymentStatus, 'AUTHORIZED', 'the redirect did not move the payment back to PENDING');
    assert.ok(!order.transitions.some((tr) => tr.toStatus === 'PENDING'));
    assert.deepEqual(states(live.updates), ['PENDING_PAYMENT/INITIATED', 'READY/AUTHORIZED']);
  });

  it('cancel in the window: the order is CANCELLED live and the same cart is open again with the same lines', async (t) => {
    const p = await placeOrder();
    const live = await watch(t, p);
    const page = await openPaymentWindow(p.co.redirect);
    const query = assertReturnedTo(await cancel(page), p, 'cancelurl', 'cancel');

    const reported = await reportOutcome(p, query, 'CANCEL');
    assert.equal(reported.applied, true);
    assert.equal(reported.order.status, 'CANCELLED');
    const updates = await live.until((u) => u.some((x) => x.orderStatus === 'CANCELLED'));
    assert.equal(updates.length, 2, `current state, then the cancellation: ${states(updates)}`);
    assert.equal(updates[1].source, 'SHOPPER_REDIRECT');
    assert.ok(isIncreasing(updates));
    assert.equal(readyEntries(updates), 0);

    const { cart } = await svc.gqlOk(CartDocument, { id: p.cartId }, null);
    assert.equal(cart.status, 'OPEN');
    assert.deepEqual(cart.lines, DEFAULT_CART.lines);
    assert.deepEqual(Object.fromEntries(cart.customFields.map((f) => [f.key, f.value])), DEFAULT_CART.customFields);
    assert.equal((await db.carts()).filter((c) => c.id === p.cartId).length, 1);
    assert.equal((await db.orders(p.cartId)).length, 1, 'no second order, no second cart');
    assert.deepEqual(simPayment(p).callbacks, [], 'QuickPay sends no callback for a cancelled window');
  });

  it('card expiry 01/25: the first callback is refused by the bridge (401), the retry makes the order READY', async (t) => {
    const p = await placeOrder();
    const live = await watch(t, p);
    const page = await openPaymentWindow(p.co.redirect);
    const query = assertReturnedTo(await pay(page, { exp_month: '01', exp_year: '25' }), p, 'continueurl', 'success');
    await reportOutcome(p, query, 'SUCCESS');

    const paymentId = simPayment(p).payment.id;
    await sim.waitForDeliveries(paymentId, 1, 5000, (a) => a.delivered);
    const attempts = sim.deliveries(paymentId);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.checksumValid, a.statusCode]),
      [
        [1, false, 401],
        [2, true, 200],
      ],
    );
    const updates = await live.until((u) => u.some((x) => x.orderStatus === 'READY'));
    assert.equal(readyEntries(updates), 1);
    assert.ok(isIncreasing(updates));
    const inbox = (await db.inbox()).filter((m) => m.paymentReference === p.reference);
    assert.deepEqual(inbox.map((m) => m.status), ['REJECTED', 'PROCESSED'], 'both attempts recorded, the forged-looking one rejected');
  });

  it('drop: the callback never comes, so the order stays PENDING_PAYMENT and nothing becomes READY', async (t) => {
    const p = await placeOrder();
    const live = await watch(t, p);
    sim.setFaults(p.reference, { drop: true });
    const query = assertReturnedTo(await pay(await openPaymentWindow(p.co.redirect)), p, 'continueurl', 'success');
    await reportOutcome(p, query, 'SUCCESS');
    await live.until((u) => u.some((x) => x.paymentStatus === 'PENDING'));

    const snapshot = simPayment(p);
    assert.equal(snapshot.payment.accepted, true, 'the gateway holds an authorisation');
    assert.deepEqual(snapshot.callbacks.map((c) => c.status), ['dropped']);
    assert.deepEqual(snapshot.deliveries, [], 'nothing was sent to the shop');
    const { order } = await svc.gqlOk(OrderDocument, { id: p.orderId }, p.token);
    assert.equal(order.status, 'PENDING_PAYMENT');
    assert.equal(order.paymentStatus, 'PENDING');
    assert.equal(order.readyAt, null);
    assert.equal((await db.inbox()).filter((m) => m.paymentReference === p.reference).length, 0);
    const owed = (await db.outbox(p.orderId)).map((r) => r.topic);
    assert.deepEqual(owed, ['PENDING_PAYMENT_ALERT'], 'no stock, e-mail or export for an unconfirmed order; only the shop\'s pending-payment alert');
    assert.ok(live.updates.every((u) => u.orderStatus === 'PENDING_PAYMENT'), `never READY: ${states(live.updates)}`);
  });

  it('duplicate + reorder, then a capture through the API: CAPTURED, READY, exactly one READY transition', async (t) => {
    const p = await placeOrder();
    const live = await watch(t, p);
    // Every callback three times at once, and each held back until the next one: the authorisation's callback
    // arrives after the capture's (which already carries both operations), three copies of each.
    sim.setFaults(p.reference, { duplicate: 2, reorder: true });
    const query = assertReturnedTo(await pay(await openPaymentWindow(p.co.redirect)), p, 'continueurl', 'success');
    await reportOutcome(p, query, 'SUCCESS');
    const paymentId = simPayment(p).payment.id;
    assert.deepEqual(simPayment(p).callbacks.map((c) => c.status), ['held']);

    const res = await fetch(`${sim.url}/payments/${paymentId}/capture`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`:${TEST_KEYS.apiKey}`).toString('base64')}`,
        'accept-version': 'v10',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ amount: p.co.order.total }),
    });
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as { state: string }).state, 'processed');

    await sim.waitForDeliveries(paymentId, 6, 10_000, (a) => a.delivered);
    const callbacks = simPayment(p).callbacks;
    assert.deepEqual(
      callbacks.map((c) => [c.operationId, c.copies.map((x) => x.status).join()]),
      [
        [1, 'delivered,delivered,delivered'],
        [2, 'delivered,delivered,delivered'],
      ],
    );
    const firstAuthorise = Math.min(...sim.deliveries(paymentId).filter((d) => d.operationId === 1).map((d) => Date.parse(d.at)));
    const firstCapture = Math.min(...sim.deliveries(paymentId).filter((d) => d.operationId === 2).map((d) => Date.parse(d.at)));
    assert.ok(firstCapture <= firstAuthorise, 'the capture callback went out first');

    await live.until((u) => u.some((x) => x.paymentStatus === 'CAPTURED'));
    const { order } = await svc.gqlOk(OrderDocument, { id: p.orderId }, p.token);
    assert.equal(order.status, 'READY');
    assert.equal(order.paymentStatus, 'CAPTURED', 'the stale authorisation did not move the payment back');
    assert.equal(order.transitions.filter((tr) => tr.subject === 'ORDER' && tr.toStatus === 'READY').length, 1);
    assert.equal((await db.payment(p.orderId)).amountCaptured, p.co.order.total);
    const topics = (await db.outbox(p.orderId)).map((o) => o.topic);
    assert.equal(new Set(topics).size, topics.length, `each ready effect once: ${topics}`);

    const updates = live.updates;
    assert.ok(isIncreasing(updates), `sequences increase: ${updates.map((u) => u.sequence)}`);
    assert.equal(readyEntries(updates), 1);
    assert.equal(updates.at(-1)?.paymentStatus, 'CAPTURED');
    assert.ok(
      !updates.some((u, i) => u.paymentStatus === 'AUTHORIZED' && updates.slice(0, i).some((v) => v.paymentStatus === 'CAPTURED')),
      `never back from CAPTURED: ${states(updates)}`,
    );
  });

  it('refuses a subscription without a token or with another order\'s token (FORBIDDEN, no status pushed)', async (t) => {
    const a = await placeOrder();
    const b = await placeOrder();
    // The control: the order's own token is answered with the current state.
    const own = await watch(t, a);
    assert.equal(own.updates[0].orderId, a.orderId);

    for (const token of [null, b.token]) {
      const w = watchPaymentStatus(svc.url, a.orderId, token);
      t.after(() => w.close());
      await assert.rejects(w.until(() => false), (e: unknown) => {
        assert.equal(errorCode(e), "FORBIDDEN", `refused with FORBIDDEN: ${JSON.stringify(e)}`);
        return true;
      });
      assert.deepEqual(w.updates, [], 'no status was pushed');
    }
  });
});
