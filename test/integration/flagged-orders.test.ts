/**
 * The shop's decision on a flagged order whose payment is authorised (seed 003), through GraphQL: accept it as paid,
 * or void the payment and cancel the order. Audited with the shop's reason; refused for anything else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TransitionSource } from '../../src/modules/audit/status-transition.entity.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { AcceptFlaggedOrderDocument, VoidAndCancelFlaggedOrderDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, TEST_PAYMENT_METHOD, type TestService } from '../support/test-service.js';

const codeOf = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;

describe(`flagged orders, decided by the shop (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    // Test cards not allowed: a test payment is one of the flags the shop decides on.
    svc = await startTestService({ paymentMethod: { ...TEST_PAYMENT_METHOD, testCardsAllowed: false } });
    await seedCatalogue(svc);
  });
  after(() => svc?.close());

  const placed = async () => checkout(svc, await createFilledCart(svc));
  const authorise = (co: Checkout, amount: number, testMode = false) =>
    postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount }], { testMode }));
  const accept = (orderId: string, reason = 'the customer paid the difference by bank transfer', token?: string | null) =>
    svc.gql(AcceptFlaggedOrderDocument, { orderId, reason }, token);
  const voidAndCancel = (orderId: string, reason = 'a test card on the live shop: suspected fraud') => svc.gql(VoidAndCancelFlaggedOrderDocument, { orderId, reason });
  const db = () => inspect(svc.services);

  it('accepts an amount mismatch as paid: READY, what READY owes queued, the reason in the audit trail', async () => {
    const co = await placed();
    await authorise(co, co.order.total - 100);
    assert.deepEqual((await db().order(co.order.id)).flags, [OrderFlag.AMOUNT_MISMATCH]);
    const { data } = await accept(co.order.id);
    assert.equal(data?.acceptFlaggedOrder.status, 'READY');
    assert.ok(data?.acceptFlaggedOrder.readyAt);
    const outbox = await db().outbox(co.order.id);
    assert.ok(outbox.some((r) => r.topic === OutboxTopic.DECREMENT_STOCK) && outbox.some((r) => r.topic === OutboxTopic.EXPORT_ORDER));
    const audit = (await db().transitions(co.order.id)).find((t) => t.toStatus === 'READY');
    assert.equal(audit?.source, TransitionSource.BACK_OFFICE);
    assert.equal(audit?.detail, 'the customer paid the difference by bank transfer');
  });

  it('voids a test-card payment and cancels its order: CANCELLED, the cart reopened, the void queued, audited', async () => {
    const co = await placed();
    await authorise(co, co.order.total, true);
    assert.deepEqual((await db().order(co.order.id)).flags, [OrderFlag.TEST_PAYMENT_REFUSED]);
    const { data } = await voidAndCancel(co.order.id);
    assert.equal(data?.voidAndCancelFlaggedOrder.status, 'CANCELLED');
    assert.equal((await db().cart(co.order.cartId)).status, 'OPEN');
    assert.ok((await db().outbox(co.order.id)).some((r) => r.topic === OutboxTopic.VOID_PAYMENT));
    const audit = (await db().transitions(co.order.id)).find((t) => t.toStatus === 'CANCELLED');
    assert.equal(audit?.source, TransitionSource.BACK_OFFICE);
    assert.match(audit?.detail ?? '', /suspected fraud/);
  });

  it('refuses before the payment is authorised, for an order that is not flagged or no longer waits, without a reason, and without the key', async () => {
    const unpaid = await placed();
    assert.equal(codeOf(await accept(unpaid.order.id)), 'CONFLICT', 'not authorised yet (seed 003)');
    assert.equal(codeOf(await voidAndCancel(unpaid.order.id)), 'CONFLICT');
    const paid = await placed();
    await authorise(paid, paid.order.total);
    assert.equal((await db().order(paid.order.id)).status, 'READY');
    assert.equal(codeOf(await voidAndCancel(paid.order.id)), 'CONFLICT', 'a ready order is not the shop\'s to cancel here');
    assert.equal(codeOf(await accept(paid.order.id)), 'CONFLICT');

    const flagged = await placed();
    await authorise(flagged, flagged.order.total + 1);
    assert.equal(codeOf(await accept(flagged.order.id, ' ')), 'BAD_USER_INPUT');
    assert.equal(codeOf(await accept(flagged.order.id, 'reason enough', null)), 'UNAUTHENTICATED');
    assert.equal(codeOf(await accept('00000000-0000-0000-0000-000000000000')), 'NOT_FOUND');
    assert.equal((await db().order(flagged.order.id)).status, 'PENDING_PAYMENT', 'nothing was decided');
  });
});
