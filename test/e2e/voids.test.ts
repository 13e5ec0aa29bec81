/**
 * Invariant 5 end to end: a late authorisation on a cancelled order whose cart moved on is voided at the gateway
 * (the QuickPay simulator, over its REST API) by the outbox worker, and the gateway's answer is applied like a
 * notification: the payment is CANCELLED here, audited. A void the gateway refuses because it already happened is
 * done, not retried; one it keeps declining ends FAILED, the order flagged VOID_FAILED and the shop told; one that
 * can no longer happen (captured meanwhile) fails at once. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransitionSource } from '../../src/modules/audit/status-transition.entity.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { VOID_TRIGGER } from '../../src/modules/payment/void-payment.handler.js';
import { startQuickPaySimulator, type QuickPaySimulator } from '../../src/simulator/quickpay-simulator.js';
import { Cart } from '../../src/modules/cart/cart.entity.js';
import { AcceptFlaggedOrderDocument, AddCartLineDocument, ReportRedirectOutcomeDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { drain, outboxWorker } from '../support/outbox-worker.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../support/webhook-receiver.js';
import { openPaymentWindow, pay } from './payment-window.js';

describe(`voids of late authorisations at the QuickPay simulator (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let sim: QuickPaySimulator;
  let receiver: WebhookReceiver;
  let svc: TestService;
  let db: ReturnType<typeof inspect>;

  before(async () => {
    sim = await startQuickPaySimulator({ apiKey: TEST_KEYS.apiKey, privateKey: TEST_KEYS.privateKey, merchantId: TEST_KEYS.merchantId, retryIntervalMs: 100, maxAttempts: 5 });
    receiver = await startWebhookReceiver();
    svc = await startTestService({
      env: { QUICKPAY_PAYMENT_WINDOW_URL: sim.url, QUICKPAY_API_URL: sim.url, SHOP_WEBHOOK_URL: receiver.url, SHOP_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET },
    });
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(async () => {
    await sim?.close();
    await svc?.close();
    await receiver?.close();
  });

  interface Late {
    orderId: string;
    reference: string;
    /** The simulator's payment id. */
    paymentId: number;
    total: number;
  }

  /**
   * The shopper pays in the window, but the browser reports "cancel" first (the order is cancelled and its cart
   * reopened), the shopper changes the cart, and only then does the authorisation's callback arrive: it cannot
   * revive the order, so it is flagged and queued to be voided. From then on the simulator's callbacks are dropped,
   * so what reaches the database is the worker's doing (a cancel's callback would race the worker's own answer;
   * either is applied once).
   */
  async function lateAuthorisation(): Promise<Late> {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    const reference = co.order.payment.reference;
    sim.setFaults(reference, { reorder: true }); // holds the authorisation's callback
    assert.equal((await pay(await openPaymentWindow(co.redirect))).status, 303);
    const paymentId = sim.paymentByOrderId(reference)!.payment.id;
    const cancelled = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL', params: [] }, co.accessToken);
    assert.equal(cancelled.reportRedirectOutcome.order.status, 'CANCELLED');
    await svc.gqlOk(AddCartLineDocument, { cartId, sku: 'POT-IRON', quantity: 1 }, null);
    sim.setFaults(reference, {}); // the held callback goes out
    await sim.waitForDeliveries(paymentId, 1, 5000, (a) => a.delivered);
    sim.setFaults(reference, { drop: true });

    const order = await db.order(co.order.id);
    assert.equal(order.status, 'CANCELLED');
    assert.ok(order.flags.includes(OrderFlag.LATE_AUTHORIZATION_TO_VOID));
    assert.equal((await db.payment(co.order.id)).status, 'AUTHORIZED');
    assert.equal((await voidRow(co.order.id)).status, OutboxStatus.PENDING);
    return { orderId: co.order.id, reference, paymentId, total: co.order.total };
  }

  const voidRow = async (orderId: string) => (await db.outbox(orderId)).find((r) => r.topic === OutboxTopic.VOID_PAYMENT)!;
  const simOps = (p: Late) => sim.payment(p.paymentId)!.payment.operations.map((o) => `${o.type}:${o.qp_status_code}`);
  /** The QuickPay API, called as the shop's back office would (outside the service). */
  const simCommand = async (p: Late, command: 'cancel' | 'capture', body: object = {}) => {
    const res = await fetch(`${sim.url}/payments/${p.paymentId}/${command}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`:${TEST_KEYS.apiKey}`).toString('base64')}`, 'accept-version': 'v10', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 202);
  };
  const voidAudit = async (orderId: string) =>
    (await db.transitions(orderId)).filter((t) => t.subject === 'PAYMENT' && t.trigger === VOID_TRIGGER);

  it('lets the shop accept the late-authorised order instead: its void is taken back, the order is READY as placed, its moved-on cart untouched', async () => {
    const p = await lateAuthorisation();
    const accepted = await svc.gqlOk(AcceptFlaggedOrderDocument, { orderId: p.orderId, reason: 'the customer called: ship it as ordered' });
    assert.equal(accepted.acceptFlaggedOrder.status, 'READY');
    assert.equal(accepted.acceptFlaggedOrder.paymentStatus, 'AUTHORIZED');
    const row = await voidRow(p.orderId);
    assert.equal(row.status, OutboxStatus.DONE);
    assert.match(row.lastError ?? '', /^taken back: the shop accepted the order \(the customer called/);
    await drain(outboxWorker(svc));
    assert.deepEqual(simOps(p), ['authorize:20000'], 'the gateway is not asked to void it');
    const order = await db.order(p.orderId);
    const [cart] = await svc.services.orm.em.fork().find(Cart, { id: order.cartId });
    assert.equal(cart.status, 'OPEN', 'the cart the shopper went on with stays theirs');
    assert.ok(cart.lines.some((l) => l.sku === 'POT-IRON'));
    const audit = (await db.transitions(p.orderId)).filter((t) => t.subject === 'ORDER').at(-1)!;
    assert.deepEqual([audit.fromStatus, audit.toStatus, audit.source, audit.detail], ['CANCELLED', 'READY', TransitionSource.BACK_OFFICE, 'the customer called: ship it as ordered']);
  });

  it('refuses to accept a late-authorised order while its void is under way', async () => {
    const p = await lateAuthorisation();
    const row = await voidRow(p.orderId);
    await svc.services.orm.em.fork().nativeUpdate(OutboxMessage, { id: row.id }, { leaseOwner: 'another-worker', leaseExpiresAt: new Date(Date.now() + 60_000) });
    const refused = await svc.gql(AcceptFlaggedOrderDocument, { orderId: p.orderId, reason: 'ship it anyway' });
    assert.deepEqual([refused.errors?.[0]?.extensions?.code, refused.errors?.[0]?.extensions?.reason], ['CONFLICT', 'VOID_UNDER_WAY']);
    assert.equal((await db.order(p.orderId)).status, 'CANCELLED');
    await svc.services.orm.em.fork().nativeUpdate(OutboxMessage, { id: row.id }, { leaseOwner: null, leaseExpiresAt: null });
  });

  it('cancels the authorisation at the gateway and records the payment CANCELLED, audited; a redelivery asks nothing', async () => {
    const p = await lateAuthorisation();
    await drain(outboxWorker(svc));

    assert.deepEqual(simOps(p), ['authorize:20000', 'cancel:20000'], 'voided at the gateway');
    assert.equal(sim.payment(p.paymentId)!.payment.state, 'processed');
    assert.equal((await db.payment(p.orderId)).status, 'CANCELLED');
    const audit = await voidAudit(p.orderId);
    assert.deepEqual(audit.map((t) => [t.fromStatus, t.toStatus, t.source]), [['AUTHORIZED', 'CANCELLED', TransitionSource.WORKER]]);
    assert.match(audit[0].detail ?? '', /QUICKPAY's answer to the void .*cancel/);
    const row = await voidRow(p.orderId);
    assert.equal(row.status, OutboxStatus.DONE);
    assert.match(row.lastError ?? '', /^answered: voided: the gateway says CANCELLED; payment AUTHORIZED -> CANCELLED/);
    const order = await db.order(p.orderId);
    assert.equal(order.status, 'CANCELLED');
    assert.ok(!order.flags.includes(OrderFlag.VOID_FAILED));

    // A worker that crashed after the void and before marking the row done: the payment is CANCELLED here, so the
    // gateway is not asked again.
    await svc.services.orm.em.fork().nativeUpdate(OutboxMessage, { id: row.id }, { status: OutboxStatus.PENDING, nextAttemptAt: new Date(0) });
    await drain(outboxWorker(svc));
    assert.deepEqual(simOps(p), ['authorize:20000', 'cancel:20000']);
    assert.equal((await voidRow(p.orderId)).lastError, 'answered: nothing to void: the payment is CANCELLED');
    assert.equal((await voidAudit(p.orderId)).length, 1);
    // The void is one row of the payment's operations ledger, the service's own, settled by the gateway's answer.
    const ledger = await svc.services.paymentOperations.operationsOf(p.orderId);
    assert.deepEqual(ledger.map((o) => [o.kind, o.status, o.requestedBy, o.idempotencyKey, o.gatewayOperationId]), [['CANCEL', 'SUCCEEDED', 'WORKER', `void:${(await db.payment(p.orderId)).id}`, '2']]);
  });

  it('takes "already cancelled" for a void done, not an error: the refusal is followed by asking the gateway', async () => {
    const p = await lateAuthorisation();
    // The void went through at the gateway, but its answer never reached us (and the callbacks are lost).
    await simCommand(p, 'cancel');
    await drain(outboxWorker(svc));

    assert.deepEqual(simOps(p), ['authorize:20000', 'cancel:20000', 'cancel:40001'], 'the second cancel was refused');
    const row = await voidRow(p.orderId);
    assert.deepEqual([row.status, row.attempts], [OutboxStatus.DONE, 1]);
    assert.match(row.lastError ?? '', /voided: the cancel was refused \(.*Payment is cancelled.*\); the gateway says CANCELLED/);
    assert.equal((await db.payment(p.orderId)).status, 'CANCELLED');
    assert.deepEqual((await voidAudit(p.orderId)).map((t) => [t.fromStatus, t.toStatus]), [['AUTHORIZED', 'CANCELLED']]);
  });

  it('retries a gateway that declines the cancel, then FAILs the row, flags the order VOID_FAILED and tells the shop', async () => {
    const p = await lateAuthorisation();
    sim.setFaults(p.reference, { drop: true, declineCommands: true });
    const worker = outboxWorker(svc, { maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 40 });
    for (let i = 0; i < 100 && (await voidRow(p.orderId)).status === OutboxStatus.PENDING; i++) {
      await worker.runOnce();
      await sleep(15);
    }

    const row = await voidRow(p.orderId);
    assert.deepEqual([row.status, row.attempts], [OutboxStatus.FAILED, 3]);
    assert.match(row.lastError ?? '', /^not voided: the gateway says AUTHORIZED/);
    assert.deepEqual(simOps(p), ['authorize:20000', 'cancel:40000', 'cancel:40000', 'cancel:40000']);
    assert.equal((await db.payment(p.orderId)).status, 'AUTHORIZED', 'the money is still held, and that is visible');
    const order = await db.order(p.orderId);
    assert.deepEqual(order.flags, [OrderFlag.LATE_AUTHORIZATION_TO_VOID, OrderFlag.VOID_FAILED]);
    const told = (await db.outbox(p.orderId)).filter((r) => r.payload.flag === OrderFlag.VOID_FAILED).map((r) => r.topic).sort();
    assert.deepEqual(told, [OutboxTopic.NOTIFY_SHOP, OutboxTopic.SHOP_WEBHOOK], 'the shop is told by e-mail and webhook');
    await drain(worker);
    const flagged = receiver.forOrder(p.orderId, 'order.flagged').map((w) => w.event?.data.flag);
    assert.deepEqual(flagged.sort(), [OrderFlag.LATE_AUTHORIZATION_TO_VOID, OrderFlag.VOID_FAILED]);
  });

  it('fails at once, flagged VOID_FAILED, when the gateway says the payment was captured meanwhile', async () => {
    const p = await lateAuthorisation();
    await simCommand(p, 'capture', { amount: p.total });
    await drain(outboxWorker(svc));

    const row = await voidRow(p.orderId);
    assert.deepEqual([row.status, row.attempts], [OutboxStatus.FAILED, 1], 'no retry can void a captured payment');
    assert.match(row.lastError ?? '', /^cannot be voided: the cancel was refused .*; the gateway says CAPTURED \(captured \d+\); refund it by hand$/);
    assert.equal((await db.payment(p.orderId)).status, 'CAPTURED', 'what the gateway said is recorded');
    assert.deepEqual((await voidAudit(p.orderId)).map((t) => [t.fromStatus, t.toStatus]), [['AUTHORIZED', 'CAPTURED']]);
    assert.ok((await db.order(p.orderId)).flags.includes(OrderFlag.VOID_FAILED));
  });
});
