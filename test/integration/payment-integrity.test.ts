/**
 * The gateway's word, applied with integrity: a message that is not applied writes nothing; a change of amounts,
 * fee, currency or test mode is an audited change or refused; money is never silently kept (invariant 5),
 * whatever the payment went through before; and a payment refunded in full never makes an order ready.
 * On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InboxStatus } from '../../src/modules/inbox/inbox-message.entity.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { ReportRedirectOutcomeDocument, SetCartCustomFieldDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback, type QuickPayOp } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { TEST_PAYMENT_METHOD, startTestService, type TestService } from '../support/test-service.js';

describe(`applying the gateway's word with integrity (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  let strict: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    svc = await startTestService();
    // Test payments not allowed, as in production.
    // A shop whose card method does not allow test cards (seed 003: off outside testing).
    strict = await startTestService({ paymentMethod: { ...TEST_PAYMENT_METHOD, testCardsAllowed: false } });
    db = inspect(svc.services);
    for (const s of [svc, strict]) await seedCatalogue(s);
  });
  after(async () => {
    await svc?.close();
    await strict?.close();
  });

  const send = (s: TestService, co: Checkout, ops: QuickPayOp[], o: Parameters<typeof paymentResource>[2] = {}) =>
    postCallback(s.url, paymentResource(co.order.payment.reference, ops, o));
  const cancelByRedirect = (s: TestService, co: Checkout) => s.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL' }, co.accessToken);
  const voidQueued = async (s: TestService, co: Checkout) => (await inspect(s.services).outbox(co.order.id)).some((r) => r.topic === OutboxTopic.VOID_PAYMENT);

  it('writes nothing for a copy of the applied message that says a different fee, test mode or currency', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const auth: QuickPayOp[] = [{ id: 1, type: 'authorize', amount: co.order.total }];
    assert.equal((await send(svc, co, auth)).status, 200);
    const payment = await db.payment(co.order.id);
    const trail = (await db.transitions(co.order.id)).length;
    for (const variant of [{ fee: 500 }, { testMode: true }, { currency: 'EUR' }]) {
      const body = JSON.parse(paymentResource(co.order.payment.reference, auth, variant)) as Record<string, unknown>;
      if ('fee' in variant) body.fee = variant.fee;
      const res = await postCallback(svc.url, JSON.stringify(body));
      assert.equal(res.status, 200, JSON.stringify(variant));
      assert.equal((await db.inbox()).at(-1)!.status, InboxStatus.IGNORED, JSON.stringify(variant));
    }
    const after = await db.payment(co.order.id);
    assert.deepEqual(
      { fee: after.fee, testMode: after.testMode, currency: after.gatewayCurrency, seq: after.gatewaySequence, amount: after.amountAuthorized },
      { fee: payment.fee, testMode: payment.testMode, currency: payment.gatewayCurrency, seq: payment.gatewaySequence, amount: payment.amountAuthorized },
    );
    assert.equal((await db.transitions(co.order.id)).length, trail, 'no audit row');
    assert.deepEqual((await db.order(co.order.id)).flags, []);
    assert.equal((await db.order(co.order.id)).status, 'READY');
  });

  it('refuses a negative fee as malformed', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const body = JSON.parse(paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }])) as Record<string, unknown>;
    body.fee = -500;
    assert.equal((await postCallback(svc.url, JSON.stringify(body))).status, 400);
    assert.equal((await db.payment(co.order.id)).fee, 0);
  });

  it('records a newer message that changes the fee as an audited change', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const auth: QuickPayOp = { id: 1, type: 'authorize', amount: co.order.total };
    await send(svc, co, [auth]);
    const body = JSON.parse(paymentResource(co.order.payment.reference, [auth, { id: 2, type: 'capture', amount: co.order.total }])) as Record<string, unknown>;
    body.fee = 125;
    assert.equal((await postCallback(svc.url, JSON.stringify(body))).status, 200);
    assert.equal((await db.payment(co.order.id)).fee, 125);
    const last = (await db.transitions(co.order.id)).at(-1)!;
    assert.match(last.detail ?? '', /fee 0 -> 125/);
  });

  it('revives an order whose authorisation expired when a later approved authorisation comes, cart untouched', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    const expired: QuickPayOp = { id: 1, type: 'authorize', amount: co.order.total, qp_status_code: '40002' };
    await send(svc, co, [expired]);
    assert.equal((await db.order(co.order.id)).status, 'CANCELLED');
    assert.equal((await db.payment(co.order.id)).status, 'EXPIRED');
    assert.equal((await send(svc, co, [expired, { id: 2, type: 'authorize', amount: co.order.total }])).status, 200);
    assert.equal((await db.payment(co.order.id)).status, 'AUTHORIZED');
    assert.equal((await db.order(co.order.id)).status, 'READY');
    assert.equal((await db.cart(cartId)).status, 'CHECKED_OUT');
  });

  it('flags and queues a void for an approved authorisation after an expiry when the cart moved on', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    const expired: QuickPayOp = { id: 1, type: 'authorize', amount: co.order.total, qp_status_code: '40002' };
    await send(svc, co, [expired]);
    await svc.gqlOk(SetCartCustomFieldDocument, { cartId, key: 'giftNote', value: 'changed' }, null);
    await send(svc, co, [expired, { id: 2, type: 'authorize', amount: co.order.total }]);
    const order = await db.order(co.order.id);
    assert.equal(order.status, 'CANCELLED');
    assert.ok(order.flags.includes(OrderFlag.LATE_AUTHORIZATION_TO_VOID));
    assert.ok(await voidQueued(svc, co));
  });

  it('queues a void for a late authorisation of the wrong amount on a cancelled order', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    await cancelByRedirect(svc, co);
    await send(svc, co, [{ id: 1, type: 'authorize', amount: co.order.total + 1 }]);
    const order = await db.order(co.order.id);
    assert.equal(order.status, 'CANCELLED');
    assert.deepEqual([...order.flags].sort(), [OrderFlag.AMOUNT_MISMATCH, OrderFlag.LATE_AUTHORIZATION_TO_VOID].sort());
    assert.ok(await voidQueued(svc, co));
  });

  it('queues a void for a late test-card authorisation on a cancelled order while test payments are not allowed', async () => {
    const co = await checkout(strict, await createFilledCart(strict));
    await cancelByRedirect(strict, co);
    await send(strict, co, [{ id: 1, type: 'authorize', amount: co.order.total }], { testMode: true });
    const order = await inspect(strict.services).order(co.order.id);
    assert.equal(order.status, 'CANCELLED');
    assert.deepEqual([...order.flags].sort(), [OrderFlag.LATE_AUTHORIZATION_TO_VOID, OrderFlag.TEST_PAYMENT_REFUSED].sort());
    assert.ok(await voidQueued(strict, co));
  });

  it('never makes an order ready when the first message is already a full refund', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    const amount = co.order.total;
    const res = await send(svc, co, [
      { id: 1, type: 'authorize', amount },
      { id: 2, type: 'capture', amount },
      { id: 3, type: 'refund', amount },
    ]);
    assert.equal(res.status, 200);
    const order = await db.order(co.order.id);
    assert.notEqual(order.status, 'READY');
    assert.ok(order.flags.includes(OrderFlag.PAYMENT_REFUNDED), 'the shop sees it');
    assert.equal((await db.payment(co.order.id)).status, 'REFUNDED');
    assert.ok(!(await db.outbox(co.order.id)).some((r) => r.topic === OutboxTopic.DECREMENT_STOCK), 'nothing owed for a ready order');
    assert.equal((await db.cart(cartId)).status, 'OPEN', 'the shopper may buy again');
  });

  it('flags a ready order whose payment is then refunded in full, so it is not shipped', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const amount = co.order.total;
    const ops: QuickPayOp[] = [{ id: 1, type: 'authorize', amount }];
    await send(svc, co, ops);
    await send(svc, co, [...ops, { id: 2, type: 'capture', amount }, { id: 3, type: 'refund', amount }]);
    const order = await db.order(co.order.id);
    assert.equal(order.status, 'READY');
    assert.ok(order.flags.includes(OrderFlag.PAYMENT_REFUNDED));
  });
});
