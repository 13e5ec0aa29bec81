/**
 * The back office's payment operations (seed 003) end to end, over real HTTP through the QuickPay simulator's REST
 * API and its callbacks: capture, refund, cancel and recurring charges through the operations ledger, their guards
 * and amounts, idempotency under parallel repeats (separate connections on PostgreSQL), an outcome that is unknown
 * (the gateway's answer stalls past our timeout) settled by the callback or the reconciler, and operations done in
 * the gateway's own back office entering the ledger. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DrawMethod, GatewayName, OperationKind } from '../../src/gateways/gateway.js';
import { OperationRequester, PaymentOperation } from '../../src/modules/payment-operation/payment-operation.entity.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { startQuickPaySimulator, type QuickPaySimulator } from '../../src/simulator/quickpay-simulator.js';
import {
  CancelPaymentDocument,
  CapturePaymentDocument,
  ChargeSubscriptionDocument,
  CreatePaymentMethodDocument,
  PaymentOperationsDocument,
  RefundPaymentDocument,
} from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';
import { openPaymentWindow, pay } from './payment-window.js';

/** Our client's timeout for the gateway's REST API in this file; a stalled answer outlasts it. */
const API_TIMEOUT_MS = 800;

describe(`payment operations through the ledger, QuickPay simulator (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let sim: QuickPaySimulator;
  let svc: TestService;
  let db: ReturnType<typeof inspect>;

  before(async () => {
    sim = await startQuickPaySimulator({ apiKey: TEST_KEYS.apiKey, privateKey: TEST_KEYS.privateKey, merchantId: TEST_KEYS.merchantId, retryIntervalMs: 100, maxAttempts: 5 });
    svc = await startTestService({ env: { QUICKPAY_PAYMENT_WINDOW_URL: sim.url, QUICKPAY_API_URL: sim.url, QUICKPAY_API_TIMEOUT_MS: String(API_TIMEOUT_MS) } });
    db = inspect(svc.services);
    await seedCatalogue(svc);
    for (const input of [
      { code: 'subscription', name: 'Monthly box', gateway: GatewayName.QUICKPAY, drawMethod: DrawMethod.SUBSCRIPTION, testCardsAllowed: true },
      { code: 'live-card', name: 'Card', gateway: GatewayName.QUICKPAY, testCardsAllowed: false },
    ]) {
      await svc.gqlOk(CreatePaymentMethodDocument, { input });
    }
  });
  after(async () => {
    await sim?.close();
    await svc?.close();
  });

  interface Paid {
    orderId: string;
    reference: string;
    /** The simulator's payment id. */
    simId: number;
    authorised: number;
  }

  /** A checkout paid in the simulated window, its authorisation's callback delivered. */
  async function paidOrder(method = 'card'): Promise<Paid> {
    const co = await checkout(svc, await createFilledCart(svc), undefined, undefined, method);
    assert.equal((await pay(await openPaymentWindow(co.redirect))).status, 303);
    const simId = sim.paymentByOrderId(co.order.payment.reference)!.payment.id;
    await sim.waitForDeliveries(simId, 1, 5000, (a) => a.delivered);
    return { orderId: co.order.id, reference: co.order.payment.reference, simId, authorised: co.order.total };
  }

  /** Waits until every callback the simulator sent for the payment so far was answered. */
  async function callbacksDelivered(p: Paid): Promise<void> {
    const sent = sim.paymentByOrderId(p.reference)!.callbacks.length;
    await sim.waitForDeliveries(p.simId, sent, 5000, (a) => a.delivered);
  }

  const simOps = (p: Paid, type: string) => sim.paymentByOrderId(p.reference)!.payment.operations.filter((o) => o.type === type);
  const ledger = async (orderId: string) => (await svc.gqlOk(PaymentOperationsDocument, { orderId })).paymentOperations;
  const capture = (orderId: string, idempotencyKey: string, amount?: number | null) => svc.gql(CapturePaymentDocument, { orderId, idempotencyKey, amount, reason: 'shipped' });
  const refund = (orderId: string, idempotencyKey: string, amount?: number | null) => svc.gql(RefundPaymentDocument, { orderId, idempotencyKey, amount, reason: 'returned' });
  const refusal = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => [result.errors?.[0]?.extensions?.code, result.errors?.[0]?.extensions?.reason];

  it('captures in parts and refunds, never beyond what remains; each operation is one ledger row, its callback counted once', async () => {
    const p = await paidOrder();
    const first = await capture(p.orderId, 'cap-1', 3000);
    assert.equal(first.errors, undefined);
    assert.equal(first.data!.capturePayment.operation.status, 'SUCCEEDED');
    assert.ok(first.data!.capturePayment.operation.gatewayOperationId, "the gateway's operation id is kept");
    assert.equal(first.data!.capturePayment.order.payment.amountCaptured, 3000);

    assert.deepEqual(refusal(await capture(p.orderId, 'cap-over', p.authorised)), ['CONFLICT', 'AMOUNT_EXCEEDS_REMAINING']);
    const rest = await capture(p.orderId, 'cap-2', null);
    assert.equal(rest.data!.capturePayment.operation.amount, p.authorised - 3000, 'no amount captures all that remains');
    assert.deepEqual(refusal(await capture(p.orderId, 'cap-3', 1)), ['CONFLICT', 'NOTHING_REMAINS']);

    assert.deepEqual(refusal(await refund(p.orderId, 'ref-over', p.authorised + 1)), ['CONFLICT', 'AMOUNT_EXCEEDS_REMAINING']);
    const back = await refund(p.orderId, 'ref-1', 1000);
    assert.equal(back.data!.refundPayment.order.payment.amountRefunded, 1000);
    assert.equal(back.data!.refundPayment.order.payment.status, 'REFUNDED');

    await callbacksDelivered(p);
    const rows = await ledger(p.orderId);
    assert.deepEqual(rows.map((r) => `${r.kind} ${r.amount} ${r.status} ${r.requestedBy}`), [
      `CAPTURE 3000 SUCCEEDED BACK_OFFICE`,
      `CAPTURE ${p.authorised - 3000} SUCCEEDED BACK_OFFICE`,
      `REFUND 1000 SUCCEEDED BACK_OFFICE`,
    ], 'the callbacks of our own operations add no rows');
    assert.equal(simOps(p, 'capture').length, 2);
    const payment = await db.payment(p.orderId);
    assert.equal(payment.amountCaptured, p.authorised);
    assert.equal(payment.amountRefunded, 1000);
  });

  it('refuses every operation before the payment is authorised, and asks the gateway nothing', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    assert.deepEqual(refusal(await capture(co.order.id, 'early')), ['CONFLICT', 'NOT_AUTHORIZED']);
    assert.deepEqual(refusal(await svc.gql(CancelPaymentDocument, { orderId: co.order.id, idempotencyKey: 'early-cancel' })), ['CONFLICT', 'NOT_AUTHORIZED']);
    assert.deepEqual(await ledger(co.order.id), []);
  });

  it('refuses to handle a test payment on a method that does not allow test cards (seed 003)', async () => {
    const p = await paidOrder('live-card');
    assert.ok((await db.order(p.orderId)).flags.includes(OrderFlag.TEST_PAYMENT_REFUSED));
    assert.deepEqual(refusal(await capture(p.orderId, 'test-cap')), ['CONFLICT', 'TEST_PAYMENT']);
    assert.equal(simOps(p, 'capture').length, 0);
  });

  it('a repeat returns the first result; parallel repeats ask the gateway once; a key reused for another amount is refused', async () => {
    const p = await paidOrder();
    const results = await Promise.all(Array.from({ length: 6 }, () => capture(p.orderId, 'same-key', 2000)));
    for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const ids = new Set(results.map((r) => r.data!.capturePayment.operation.id));
    assert.equal(ids.size, 1, 'every repeat answers the same operation');
    assert.ok(results.every((r) => r.data!.capturePayment.operation.status === 'SUCCEEDED'), 'repeats wait for the first request');
    assert.equal(simOps(p, 'capture').length, 1, 'the gateway was asked once');
    assert.deepEqual(refusal(await capture(p.orderId, 'same-key', 2500)), ['CONFLICT', 'IDEMPOTENCY_KEY_REUSED']);
    assert.equal((await db.payment(p.orderId)).amountCaptured, 2000);
  });

  it('cancels an uncaptured authorisation, and refuses to cancel a captured one', async () => {
    const p = await paidOrder();
    const done = await svc.gqlOk(CancelPaymentDocument, { orderId: p.orderId, idempotencyKey: 'void-1', reason: 'out of stock' });
    assert.equal(done.cancelPayment.operation.status, 'SUCCEEDED');
    assert.equal(done.cancelPayment.order.payment.status, 'CANCELLED');

    const q = await paidOrder();
    await capture(q.orderId, 'cap', 100);
    assert.deepEqual(refusal(await svc.gql(CancelPaymentDocument, { orderId: q.orderId, idempotencyKey: 'void-2' })), ['CONFLICT', 'ALREADY_CAPTURED']);
  });

  it('records a capture the acquirer declined as FAILED, with the gateway operation, and keeps the money uncaptured', async () => {
    const p = await paidOrder();
    sim.setFaults(p.reference, { declineCommands: true });
    const declined = await svc.gqlOk(CapturePaymentDocument, { orderId: p.orderId, idempotencyKey: 'declined' });
    assert.equal(declined.capturePayment.operation.status, 'FAILED');
    assert.ok(declined.capturePayment.operation.gatewayOperationId);
    assert.equal(declined.capturePayment.order.payment.amountCaptured, 0);
    sim.setFaults(p.reference, {});
    const again = await svc.gqlOk(CapturePaymentDocument, { orderId: p.orderId, idempotencyKey: 'after-decline' });
    assert.equal(again.capturePayment.operation.status, 'SUCCEEDED', 'a failed operation reserves nothing');
  });

  it('an operation whose answer is lost stays REQUESTED, is not asked again, and the gateway callback settles it', async () => {
    const p = await paidOrder();
    sim.setFaults(p.reference, { stallCommandsMs: API_TIMEOUT_MS * 4, delayMs: API_TIMEOUT_MS * 2 });
    const lost = await svc.gqlOk(CapturePaymentDocument, { orderId: p.orderId, idempotencyKey: 'lost' });
    assert.equal(lost.capturePayment.operation.status, 'REQUESTED');
    assert.match(lost.capturePayment.operation.answer ?? '', /outcome unknown/);
    const repeat = await svc.gqlOk(CapturePaymentDocument, { orderId: p.orderId, idempotencyKey: 'lost' });
    assert.equal(repeat.capturePayment.operation.status, 'REQUESTED');
    assert.equal(simOps(p, 'capture').length, 1, 'no blind retry');
    assert.deepEqual(refusal(await capture(p.orderId, 'more', 1)), ['CONFLICT', 'NOTHING_REMAINS'], 'the open capture reserves what it asked for');

    await callbacksDelivered(p);
    const [row] = await ledger(p.orderId);
    assert.equal(row.status, 'SUCCEEDED', 'the callback for the operation settled it');
    assert.equal(row.gatewayOperationId, String(simOps(p, 'capture')[0].id));
    assert.equal((await db.payment(p.orderId)).amountCaptured, p.authorised);
    assert.equal((await ledger(p.orderId)).length, 1);
  });

  it('an operation whose answer and callbacks are lost is settled by the reconciler', async () => {
    const p = await paidOrder();
    sim.setFaults(p.reference, { stallCommandsMs: API_TIMEOUT_MS * 3, drop: true });
    assert.deepEqual(refusal(await refund(p.orderId, 'nothing-to-refund')), ['CONFLICT', 'NOTHING_REMAINS'], 'nothing is captured yet');
    const captured = await svc.gqlOk(CapturePaymentDocument, { orderId: p.orderId, idempotencyKey: 'lost-2', amount: 700 });
    assert.equal(captured.capturePayment.operation.status, 'REQUESTED');
    const payment = await db.payment(p.orderId);
    assert.ok(payment.reconcileAt, 'the reconciler is asked to find out');

    const result = await svc.services.reconciler.reconcileNow(payment.id);
    assert.match(result.outcome, /capture 700 succeeded/);
    assert.equal(result.nextAt, null, 'nothing left to chase');
    const [row] = await ledger(p.orderId);
    assert.equal(row.status, 'SUCCEEDED');
    assert.equal((await db.payment(p.orderId)).amountCaptured, 700);
  });

  it('fails an operation the gateway never received (its requester crashed before asking), once the reconciler finds it missing', async () => {
    const p = await paidOrder();
    const { row } = await svc.services.paymentOperations.reserve({ orderId: p.orderId, kind: OperationKind.CAPTURE, amount: 100, idempotencyKey: 'crashed', reason: null, requestedBy: OperationRequester.BACK_OFFICE });
    const payment = await db.payment(p.orderId);
    const fresh = await svc.services.reconciler.reconcileNow(payment.id);
    assert.notEqual(fresh.nextAt, null, 'a young open operation keeps the payment chased');
    assert.equal((await ledger(p.orderId))[0].status, 'REQUESTED', 'too young to call failed: its request may still be on the way');

    const longAgo = new Date(Date.now() - svc.services.config.reconciler.operationSettleAfterMs - 1000);
    await svc.services.orm.em.fork().nativeUpdate(PaymentOperation, { id: row.id }, { createdAt: longAgo });
    const result = await svc.services.reconciler.reconcileNow(payment.id);
    assert.match(result.outcome, /capture 100 failed: the gateway never did it/);
    assert.equal(result.nextAt, null);
    const [failed] = await ledger(p.orderId);
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.answer ?? '', /no record/);
    assert.equal(simOps(p, 'capture').length, 0);
  });

  it("enters an operation done in the gateway's own back office into the ledger, once", async () => {
    const p = await paidOrder();
    sim.appendOperation(p.simId, { type: 'capture', amount: 1500 });
    await callbacksDelivered(p);
    sim.resendCallback(p.simId); // QuickPay may send the same state again: still one row
    await callbacksDelivered(p);
    const rows = await ledger(p.orderId);
    assert.deepEqual(rows.map((r) => `${r.kind} ${r.amount} ${r.status} ${r.requestedBy} ${r.idempotencyKey}`), ['CAPTURE 1500 SUCCEEDED GATEWAY null']);
    assert.equal((await db.payment(p.orderId)).amountCaptured, 1500);
    // What remains counts it: the shop can capture the rest, not more.
    assert.deepEqual(refusal(await capture(p.orderId, 'too-much', p.authorised - 1499)), ['CONFLICT', 'AMOUNT_EXCEEDS_REMAINING']);
    assert.equal((await capture(p.orderId, 'the-rest', null)).data!.capturePayment.operation.amount, p.authorised - 1500);
  });

  it('a cancel the gateway refuses (captured in its back office meanwhile) fails, and the outside capture enters the ledger', async () => {
    const p = await paidOrder();
    sim.setFaults(p.reference, { drop: true });
    sim.appendOperation(p.simId, { type: 'capture', amount: 400 });
    const refused = await svc.gqlOk(CancelPaymentDocument, { orderId: p.orderId, idempotencyKey: 'late-void' });
    assert.equal(refused.cancelPayment.operation.status, 'FAILED');
    assert.match(refused.cancelPayment.operation.answer ?? '', /captured/i);
    assert.equal(refused.cancelPayment.order.payment.amountCaptured, 400);
    const rows = await ledger(p.orderId);
    assert.deepEqual(rows.map((r) => `${r.kind} ${r.status} ${r.requestedBy}`).sort(), ['CANCEL FAILED BACK_OFFICE', 'CAPTURE SUCCEEDED GATEWAY']);
  });

  /** The simulator's recurring charges of a subscription: at QuickPay each is a payment of its own. */
  const simCharges = (p: Paid) => sim.payments().filter((x) => x.payment.subscription_id === p.simId);

  it('charges a subscription again (recurring): each charge a payment of its own at QuickPay, one ledger row here; refuses to capture it', async () => {
    const p = await paidOrder('subscription');
    const order = await db.order(p.orderId);
    assert.equal(order.status, 'READY');
    assert.deepEqual(refusal(await capture(p.orderId, 'sub-cap')), ['CONFLICT', 'WRONG_DRAW_METHOD']);
    const first = await svc.gqlOk(ChargeSubscriptionDocument, { orderId: p.orderId, idempotencyKey: 'month-1', amount: 4900 });
    assert.equal(first.chargeSubscription.operation.status, 'SUCCEEDED');
    const second = await svc.gqlOk(ChargeSubscriptionDocument, { orderId: p.orderId, idempotencyKey: 'month-2', amount: 4900 });
    assert.equal(second.chargeSubscription.order.payment.amountCaptured, 9800);
    assert.equal(second.chargeSubscription.order.payment.status, 'CAPTURED');
    const repeat = await svc.gqlOk(ChargeSubscriptionDocument, { orderId: p.orderId, idempotencyKey: 'month-2', amount: 4900 });
    assert.equal(repeat.chargeSubscription.operation.id, second.chargeSubscription.operation.id);
    assert.equal(simCharges(p).length, 2, 'asked once per key');
    assert.ok(simCharges(p).every((c) => c.payment.order_id.startsWith(p.reference)), "each charge's order id names its subscription");

    // Each charge's callbacks (to the subscription's callback URL) are recognised as its charge, not counted again.
    for (const c of simCharges(p)) await sim.waitForDeliveries(c.payment.id, c.callbacks.length, 5000, (a) => a.delivered);
    const rows = await ledger(p.orderId);
    assert.deepEqual(rows.map((r) => `${r.kind} ${r.amount} ${r.status} ${r.requestedBy}`), ['RECURRING 4900 SUCCEEDED BACK_OFFICE', 'RECURRING 4900 SUCCEEDED BACK_OFFICE']);
    assert.deepEqual(rows.map((r) => r.gatewayOperationId), simCharges(p).map((c) => `payment ${c.payment.id}`));

    // A refund goes to one charge; more than any one charge took is refused, and nothing is given back.
    const tooMuch = await svc.gqlOk(RefundPaymentDocument, { orderId: p.orderId, idempotencyKey: 'both-back', amount: 9800 });
    assert.equal(tooMuch.refundPayment.operation.status, 'FAILED');
    assert.match(tooMuch.refundPayment.operation.answer ?? '', /no recurring payment .* has 9800 left to refund/);
    const back = await svc.gqlOk(RefundPaymentDocument, { orderId: p.orderId, idempotencyKey: 'month-2-back', amount: 4900 });
    assert.equal(back.refundPayment.operation.status, 'SUCCEEDED');
    assert.equal(back.refundPayment.order.payment.amountRefunded, 4900);
    assert.deepEqual(simCharges(p).map((c) => c.payment.balance), [4900, 0], 'the newest charge gave it back');

    // Cancelling the subscription ends it: no more charges, and what was charged stays charged.
    const ended = await svc.gqlOk(CancelPaymentDocument, { orderId: p.orderId, idempotencyKey: 'end', reason: 'customer left' });
    assert.equal(ended.cancelPayment.operation.status, 'SUCCEEDED');
    assert.deepEqual([ended.cancelPayment.order.payment.status, ended.cancelPayment.order.payment.amountCaptured], ['REFUNDED', 9800]);
    assert.equal(sim.payment(p.simId)!.payment.operations.at(-1)!.type, 'cancel');
    assert.deepEqual(refusal(await svc.gql(ChargeSubscriptionDocument, { orderId: p.orderId, idempotencyKey: 'month-3', amount: 4900 })), ['CONFLICT', 'CANCELLED']);
    assert.deepEqual(refusal(await svc.gql(CancelPaymentDocument, { orderId: p.orderId, idempotencyKey: 'end-again', reason: 'twice' })), ['CONFLICT', 'CANCELLED']);
    assert.equal(simCharges(p).length, 2);
    assert.deepEqual(refusal(await svc.gql(ChargeSubscriptionDocument, { orderId: (await paidOrder()).orderId, idempotencyKey: 'not-sub', amount: 100 })), ['CONFLICT', 'WRONG_DRAW_METHOD']);
  });

  it("a charge whose answer is lost stays REQUESTED, and the charge's own callback settles it through the subscription", async () => {
    const p = await paidOrder('subscription');
    sim.setFaults(p.reference, { stallCommandsMs: API_TIMEOUT_MS * 4 });
    // The charge is a new payment with an order id of its own: its callbacks are held by the defaults it is made with.
    sim.setDefaultFaults({ delayMs: API_TIMEOUT_MS * 2 });
    const lost = await svc.gqlOk(ChargeSubscriptionDocument, { orderId: p.orderId, idempotencyKey: 'lost-month', amount: 2500 }).finally(() => sim.setDefaultFaults({}));
    assert.equal(lost.chargeSubscription.operation.status, 'REQUESTED');
    const [charge] = simCharges(p);
    assert.ok(charge, 'the charge was made');
    await sim.waitForDeliveries(charge.payment.id, 1, 5000, (a) => a.delivered);
    const [row] = await ledger(p.orderId);
    assert.deepEqual([row.status, row.gatewayOperationId], ['SUCCEEDED', `payment ${charge.payment.id}`]);
    assert.equal((await db.payment(p.orderId)).amountCaptured, 2500);
    const callbacks = (await db.inbox()).filter((m) => m.paymentReference === p.reference);
    assert.equal(callbacks.length, 2, "the subscription's callback and its charge's, both filed under the subscription");
  });

  it('answers a malformed request precisely', async () => {
    const p = await paidOrder();
    assert.equal((await capture(p.orderId, 'has space')).errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await capture(p.orderId, 'k', 0)).errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await capture('00000000-0000-4000-8000-000000000000', 'k')).errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.equal((await svc.gql(CapturePaymentDocument, { orderId: p.orderId, idempotencyKey: 'k' }, null)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});
