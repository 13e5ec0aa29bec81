/**
 * Missing callbacks chased (issue 6, seed 003): the reconciler asks the QuickPay simulator's status API itself,
 * over real HTTP, on a shortened schedule. A dropped callback still ends READY; a payment that never completes
 * expires at the end of the schedule (cancelled, cart reopened, shop told), but never while the gateway cannot be
 * asked or says it is authorised; several workers never ask about one payment at once. The back office sees what
 * waits and acts on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { DATABASE_TIMEOUT_DEFAULTS } from '../../src/config/config.js';
import { GatewayName, type GatewayPayment } from '../../src/gateways/gateway.js';
import { TransitionSource } from '../../src/modules/audit/status-transition.entity.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { PaymentReconciler } from '../../src/modules/reconciler/reconciler.js';
import { startQuickPaySimulator, type QuickPaySimulator } from '../../src/simulator/quickpay-simulator.js';
import { PendingPaymentsDocument, ReconcilePaymentDocument, ResolvePendingPaymentDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';
import { openPaymentWindow, pay } from './payment-window.js';

/** The schedule, shrunk: ask 40 ms after checkout and every 40 ms after, give up 1.5 s after checkout. */
const SHORT = { RECONCILER_SCHEDULE: '40ms', RECONCILER_GIVE_UP_AFTER: '1500ms' };

describe(`the reconciler (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let sim: QuickPaySimulator;
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    sim = await startQuickPaySimulator({ apiKey: TEST_KEYS.apiKey, privateKey: TEST_KEYS.privateKey, merchantId: TEST_KEYS.merchantId, retryIntervalMs: 100, maxAttempts: 2 });
    svc = await startTestService({ env: { QUICKPAY_PAYMENT_WINDOW_URL: sim.url, QUICKPAY_API_URL: sim.url, ...SHORT } });
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(async () => {
    await sim?.close();
    await svc?.close();
  });

  /** Runs the reconciler until `done` holds (each round asks whatever is due). */
  async function reconcileUntil(done: () => Promise<boolean>, reconciler = svc.services.reconciler): Promise<void> {
    for (let i = 0; i < 200; i++) {
      await reconciler.runOnce();
      if (await done()) return;
      await sleep(20);
    }
    assert.fail('the reconciler never got there');
  }

  async function paidWithDroppedCallback(): Promise<Checkout> {
    const co = await checkout(svc, await createFilledCart(svc));
    sim.setFaults(co.order.payment.reference, { drop: true });
    await pay(await openPaymentWindow(co.redirect));
    return co;
  }

  it('makes an order READY whose callback was dropped, by asking the gateway, recorded as the reconciler', async () => {
    const co = await paidWithDroppedCallback();
    assert.equal((await db.order(co.order.id)).status, 'PENDING_PAYMENT', 'no callback came');
    await reconcileUntil(async () => (await db.order(co.order.id)).status === 'READY');
    const payment = await db.payment(co.order.id);
    assert.equal(payment.status, 'AUTHORIZED');
    assert.equal(payment.reconcileAt, null, 'no longer chased');
    assert.match(payment.lastReconcileAnswer ?? '', /authorize/);
    const trail = await db.transitions(co.order.id);
    assert.ok(trail.some((t) => t.toStatus === 'READY' && t.source === TransitionSource.RECONCILER), 'made ready by the reconciler');
    assert.ok((await db.outbox(co.order.id)).some((r) => r.topic === 'DECREMENT_STOCK'), 'and what a ready order owes is owed');
  });

  it('expires a payment that never completes only at the end of the schedule: cancelled, cart reopened, shop told', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId); // the shopper never opens the payment window
    await svc.services.reconciler.runOnce();
    await sleep(100);
    await svc.services.reconciler.runOnce();
    assert.equal((await db.order(co.order.id)).status, 'PENDING_PAYMENT', 'asked, but not given up yet');
    assert.match((await db.payment(co.order.id)).lastReconcileAnswer ?? '', /does not know/);
    await reconcileUntil(async () => (await db.order(co.order.id)).status === 'CANCELLED');
    assert.equal((await db.payment(co.order.id)).status, 'EXPIRED');
    assert.ok((await db.order(co.order.id)).flags.includes(OrderFlag.PAYMENT_EXPIRED));
    assert.equal((await db.cart(cartId)).status, 'OPEN', 'the shopper may try again');
    assert.ok((await db.outbox(co.order.id)).some((r) => r.topic === 'NOTIFY_SHOP'), 'the shop is told');
  });

  it('never expires a payment while the gateway cannot be asked', async () => {
    const offline = await startTestService({ env: { QUICKPAY_API_URL: 'http://127.0.0.1:9', ...SHORT, RECONCILER_GIVE_UP_AFTER: '200ms' } });
    try {
      await seedCatalogue(offline);
      const co = await checkout(offline, await createFilledCart(offline));
      for (let i = 0; i < 15; i++) {
        await offline.services.reconciler.runOnce();
        await sleep(30);
      }
      const odb = inspect(offline.services);
      assert.equal((await odb.order(co.order.id)).status, 'PENDING_PAYMENT');
      const payment = await odb.payment(co.order.id);
      assert.match(payment.lastReconcileAnswer ?? '', /could not be asked/);
      assert.ok(payment.reconcileAttempts > 1 && payment.reconcileAt !== null, 'and keeps asking');
    } finally {
      await offline.close();
    }
  });

  it('never asks about one payment from two workers at once', async (t) => {
    const orders: Checkout[] = [];
    for (let i = 0; i < 8; i++) orders.push(await paidWithDroppedCallback());
    const asked = new Map<string, number>();
    const gateway = svc.services.gateways.get(GatewayName.QUICKPAY);
    const fetchStatus = gateway.fetchPaymentStatus.bind(gateway);
    t.mock.method(gateway, 'fetchPaymentStatus', async (payment: GatewayPayment) => {
      asked.set(payment.reference, (asked.get(payment.reference) ?? 0) + 1);
      await sleep(20); // long enough for the other worker to try the same payment meanwhile
      return fetchStatus(payment);
    });
    const { orm, config, transitions, payments, gateways, log } = svc.services;
    const other = new PaymentReconciler(orm, config.database.kind, transitions, payments, gateways, { ...config.reconciler, batchSize: 3 }, (config.database.timeouts ?? DATABASE_TIMEOUT_DEFAULTS).busyMs, log ?? pino({ level: 'silent' }));
    await sleep(60); // every one of them due
    await Promise.all([svc.services.reconciler.runOnce(), other.runOnce(), other.runOnce()]);
    for (const co of orders) assert.ok((asked.get(co.order.payment.reference) ?? 0) <= 1, `asked about ${co.order.payment.reference} once at most in one round`);
    await reconcileUntil(async () => (await Promise.all(orders.map((co) => db.order(co.order.id)))).every((o) => o.status === 'READY'));
  });

  it('shows the back office what waits, asks now on demand, and stops chasing a payment resolved by hand (audited)', async () => {
    const slow = await startTestService({ env: { QUICKPAY_PAYMENT_WINDOW_URL: sim.url, QUICKPAY_API_URL: sim.url, RECONCILER_SCHEDULE: '1h' } });
    try {
      await seedCatalogue(slow);
      const co = await checkout(slow, await createFilledCart(slow));
      const listed = (await slow.gqlOk(PendingPaymentsDocument, {})).pendingPayments.find((p) => p.order.id === co.order.id);
      assert.ok(listed, 'listed as pending');
      assert.equal(listed.timesAsked, 0);
      assert.ok(listed.nextAskAt);
      assert.equal((await slow.gql(PendingPaymentsDocument, {}, null)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');

      const now = await slow.gqlOk(ReconcilePaymentDocument, { orderId: co.order.id });
      assert.match(now.reconcilePayment.answer, /does not know/);
      assert.equal(now.reconcilePayment.order.status, 'PENDING_PAYMENT');

      const resolved = await slow.gqlOk(ResolvePendingPaymentDocument, { orderId: co.order.id, reason: 'paid by bank transfer, checked by hand' });
      assert.equal(resolved.resolvePendingPayment.nextAskAt, null);
      const again = await slow.gql(ResolvePendingPaymentDocument, { orderId: co.order.id, reason: 'again' });
      assert.equal(again.errors?.[0]?.extensions?.code, 'CONFLICT');
      const audit = (await inspect(slow.services).transitions(co.order.id)).find((t) => t.trigger === 'pending.resolved-by-hand');
      assert.equal(audit?.source, TransitionSource.BACK_OFFICE);
      assert.match(audit?.detail ?? '', /bank transfer/);
      const bad = await slow.gql(ResolvePendingPaymentDocument, { orderId: co.order.id, reason: '' });
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    } finally {
      await slow.close();
    }
  });
});

describe(`the reconciler as a background worker (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  it('turns a dropped callback into a READY order by itself', async () => {
    const sim = await startQuickPaySimulator({ apiKey: TEST_KEYS.apiKey, privateKey: TEST_KEYS.privateKey, merchantId: TEST_KEYS.merchantId });
    const svc = await startTestService({ env: { QUICKPAY_PAYMENT_WINDOW_URL: sim.url, QUICKPAY_API_URL: sim.url, SERVICE_ROLE: 'all', RECONCILER_POLL_INTERVAL_MS: '20', ...SHORT } });
    try {
      await seedCatalogue(svc);
      const co = await checkout(svc, await createFilledCart(svc));
      sim.setFaults(co.order.payment.reference, { drop: true });
      await pay(await openPaymentWindow(co.redirect));
      const db = inspect(svc.services);
      for (let i = 0; i < 200 && (await db.order(co.order.id)).status !== 'READY'; i++) await sleep(25);
      assert.equal((await db.order(co.order.id)).status, 'READY');
    } finally {
      await svc.close();
      await sim.close();
    }
  });
});
