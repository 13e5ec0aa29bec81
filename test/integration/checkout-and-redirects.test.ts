import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyPaymentWindow } from '../../src/gateways/quickpay/quickpay.signing.js';
import { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import {
  AddCartLineDocument,
  CartDocument,
  CheckoutDocument,
  OrderDocument,
  ReportRedirectOutcomeDocument,
  SetCartCustomFieldDocument,
  UpsertProductDocument,
} from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, DEFAULT_CART, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';

describe(`checkout and redirect outcomes (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    svc = await startTestService();
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  const authorise = (reference: string, amount: number, extra: { currency?: string } = {}) =>
    postCallback(svc.url, paymentResource(reference, [{ id: 1, type: 'authorize', amount }], extra));

  it('places an order with a signed QuickPay payment window form and freezes the cart', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    assert.equal(co.order.status, 'PENDING_PAYMENT');
    assert.equal(co.order.paymentStatus, 'INITIATED');
    assert.equal(co.order.total, 2 * 4500 + 12900);
    const fields = Object.fromEntries(co.redirect.fields.map((f) => [f.name, f.value]));
    assert.ok(verifyPaymentWindow(fields, TEST_KEYS.apiKey), 'checksum verifies with the API key');
    assert.equal(fields.amount, String(co.order.total));
    assert.equal(fields.order_id, co.order.payment.reference);
    assert.equal(fields.callbackurl, `${svc.url}/callbacks/quickpay`);
    assert.match(fields.continueurl, new RegExp(`${co.order.id}.*success`));
    assert.match(fields.cancelurl, new RegExp(`${co.order.id}.*cancel`));

    const edit = await svc.gql(AddCartLineDocument, { cartId, sku: 'TEA-EARL', quantity: 1 }, null);
    assert.equal(edit.errors?.[0].extensions?.code, 'CONFLICT', 'a checked-out cart cannot be edited');
  });

  it('is idempotent per idempotency key, and refuses a second attempt while one is pending', async () => {
    const cartId = await createFilledCart(svc);
    const a = await checkout(svc, cartId, 'attempt-one');
    const b = await checkout(svc, cartId, 'attempt-one');
    assert.equal(b.order.id, a.order.id);
    assert.equal(b.accessToken, a.accessToken);
    assert.deepEqual(b.redirect, a.redirect);
    const c = await svc.gql(CheckoutDocument, { input: { cartId, idempotencyKey: 'attempt-two', paymentMethod: 'card' } }, null);
    assert.equal(c.errors?.[0].extensions?.code, 'CONFLICT');
    assert.equal((await db.orders(cartId)).length, 1);
  });

  it('a success redirect shows PENDING and never marks the order paid; the verified callback makes it READY once', async () => {
    // With an address, so the confirmation is among the effects owed.
    const co = await checkout(svc, await createFilledCart(svc), undefined, 'ada@example.com');
    const r = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'SUCCESS', params: [{ key: 'qp', value: '1' }] }, co.accessToken);
    assert.equal(r.reportRedirectOutcome.applied, true);
    assert.equal(r.reportRedirectOutcome.order.paymentStatus, 'PENDING');
    assert.equal(r.reportRedirectOutcome.order.status, 'PENDING_PAYMENT');

    for (let i = 0; i < 3; i++) assert.equal((await authorise(co.order.payment.reference, co.order.total)).status, 200);
    const { order } = await svc.gqlOk(OrderDocument, { id: co.order.id }, co.accessToken);
    assert.equal(order.status, 'READY');
    assert.equal(order.paymentStatus, 'AUTHORIZED');
    assert.ok(order.readyAt);
    assert.equal(order.transitions.filter((t) => t.toStatus === 'READY').length, 1);
    const ready = order.transitions.find((t) => t.toStatus === 'READY')!;
    assert.equal(ready.source, 'GATEWAY_NOTIFICATION');
    assert.ok(ready.inboxMessageId);
    const topics = (await db.outbox(co.order.id)).map((o) => o.topic).sort();
    assert.deepEqual(
      topics,
      [OutboxTopic.DECREMENT_STOCK, OutboxTopic.EXPORT_ORDER, OutboxTopic.SEND_CONFIRMATION_EMAIL, OutboxTopic.PENDING_PAYMENT_ALERT].sort(),
      'ready effects written once, beside the pending-payment alert owed since checkout (sent only if it still waits)',
    );
  });

  it('a cancel reopens the same cart, a second cancel changes nothing, and a re-checkout loses nothing', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    const first = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL' }, co.accessToken);
    assert.equal(first.reportRedirectOutcome.applied, true);
    assert.equal(first.reportRedirectOutcome.order.status, 'CANCELLED');
    const second = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'ERROR' }, co.accessToken);
    assert.equal(second.reportRedirectOutcome.applied, false);
    assert.match(second.reportRedirectOutcome.reason!, /no transition/);

    const { cart } = await svc.gqlOk(CartDocument, { id: cartId }, null);
    assert.equal(cart.status, 'OPEN');
    assert.deepEqual(cart.lines, DEFAULT_CART.lines);
    assert.deepEqual(Object.fromEntries(cart.customFields.map((f) => [f.key, f.value])), DEFAULT_CART.customFields);
    assert.equal((await db.carts()).filter((c) => c.id === cartId).length, 1);
    assert.equal((await db.cartTransitions(cartId)).filter((t) => t.toStatus === 'OPEN').length, 1, 'reopened once');

    const again = await checkout(svc, cartId, 'second-attempt');
    assert.notEqual(again.order.id, co.order.id);
    assert.deepEqual(again.order.lines, co.order.lines);
    assert.deepEqual(again.order.customFields, co.order.customFields);
    assert.equal(again.order.total, co.order.total);
  });

  it('a verified refusal cancels the order and reopens its cart; a redirect cancel after READY is refused', async () => {
    const refusedCart = await createFilledCart(svc);
    const refused = await checkout(svc, refusedCart);
    const res = await postCallback(svc.url, paymentResource(refused.order.payment.reference, [{ id: 1, type: 'authorize', amount: refused.order.total, qp_status_code: '40000' }]));
    assert.equal(res.status, 200);
    assert.equal((await db.order(refused.order.id)).status, 'CANCELLED');
    assert.equal((await db.cart(refusedCart)).status, 'OPEN');

    const paid = await checkout(svc, await createFilledCart(svc));
    await authorise(paid.order.payment.reference, paid.order.total);
    const late = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: paid.order.id, outcome: 'CANCEL' }, paid.accessToken);
    assert.equal(late.reportRedirectOutcome.applied, false);
    assert.equal(late.reportRedirectOutcome.order.status, 'READY');
  });

  it('a late authorisation revives a cancelled order whose cart is untouched', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL' }, co.accessToken);
    await authorise(co.order.payment.reference, co.order.total);
    const order = await db.order(co.order.id);
    assert.equal(order.status, 'READY');
    assert.equal((await db.cart(cartId)).status, 'CHECKED_OUT');
  });

  it('a late authorisation after the cart moved on is flagged and queued for a void, never silently kept', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL' }, co.accessToken);
    await svc.gqlOk(SetCartCustomFieldDocument, { cartId, key: 'giftNote', value: 'changed' }, null);
    await authorise(co.order.payment.reference, co.order.total);
    const order = await db.order(co.order.id);
    assert.equal(order.status, 'CANCELLED');
    assert.deepEqual(order.flags, ['LATE_AUTHORIZATION_TO_VOID']);
    assert.equal((await db.payment(co.order.id)).status, 'AUTHORIZED');
    assert.ok((await db.outbox(co.order.id)).some((o) => o.topic === OutboxTopic.VOID_PAYMENT));
    assert.equal((await db.cart(cartId)).status, 'OPEN');
  });

  it('an authorisation of the wrong amount or currency is flagged, not accepted', async () => {
    const wrongAmount = await checkout(svc, await createFilledCart(svc));
    await authorise(wrongAmount.order.payment.reference, wrongAmount.order.total - 1);
    const a = await db.order(wrongAmount.order.id);
    assert.equal(a.status, 'PENDING_PAYMENT');
    assert.deepEqual(a.flags, ['AMOUNT_MISMATCH']);

    const wrongCurrency = await checkout(svc, await createFilledCart(svc));
    await authorise(wrongCurrency.order.payment.reference, wrongCurrency.order.total, { currency: 'EUR' });
    const b = await db.order(wrongCurrency.order.id);
    assert.equal(b.status, 'PENDING_PAYMENT');
    assert.deepEqual(b.flags, ['AMOUNT_MISMATCH']);
  });

  it('guards orders and the back office with tokens', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const other = await checkout(svc, await createFilledCart(svc));
    assert.equal((await svc.gql(OrderDocument, { id: co.order.id }, null)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await svc.gql(OrderDocument, { id: co.order.id }, other.accessToken)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await svc.gql(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL' }, other.accessToken)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await db.order(co.order.id)).status, 'PENDING_PAYMENT');
    assert.equal((await svc.gql(OrderDocument, { id: co.order.id })).data?.order.id, co.order.id, 'the admin key reads any order');
    const up = await svc.gql(UpsertProductDocument, { input: { sku: 'X', name: 'X', unitPrice: 1, currency: 'DKK', stockOnHand: 1 } }, co.accessToken);
    assert.equal(up.errors?.[0].extensions?.code, 'FORBIDDEN');
    const anon = await svc.gql(UpsertProductDocument, { input: { sku: 'X', name: 'X', unitPrice: 1, currency: 'DKK', stockOnHand: 1 } }, null);
    assert.equal(anon.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
  });

  it('answers bad storefront input with precise codes', async () => {
    const { createCart } = await import('../generated/graphql.js').then(async (g) => svc.gqlOk(g.CreateCartDocument, { currency: 'DKK' }, null));
    const codeOf = async (p: Promise<{ errors?: { extensions?: { code?: string } }[] }>) => (await p).errors?.[0].extensions?.code;
    const g = await import('../generated/graphql.js');
    assert.equal(await codeOf(svc.gql(g.CreateCartDocument, { currency: 'DANISH' }, null)), 'BAD_USER_INPUT');
    assert.equal(await codeOf(svc.gql(g.AddCartLineDocument, { cartId: createCart.id, sku: 'NOPE', quantity: 1 }, null)), 'NOT_FOUND');
    assert.equal(await codeOf(svc.gql(g.AddCartLineDocument, { cartId: createCart.id, sku: 'TEA-EARL', quantity: 0 }, null)), 'BAD_USER_INPUT');
    assert.equal(await codeOf(svc.gql(g.SetCartCustomFieldDocument, { cartId: createCart.id, key: '1bad key', value: 'x' }, null)), 'BAD_USER_INPUT');
    assert.equal(await codeOf(svc.gql(g.CheckoutDocument, { input: { cartId: createCart.id, idempotencyKey: 'empty-cart-1', paymentMethod: 'card' } }, null)), 'BAD_USER_INPUT');
    assert.equal(await codeOf(svc.gql(g.CheckoutDocument, { input: { cartId: createCart.id, idempotencyKey: 'x', paymentMethod: 'card' } }, null)), 'BAD_USER_INPUT');
    assert.equal(await codeOf(svc.gql(g.CartDocument, { id: 'no-such-cart' }, null)), 'NOT_FOUND');
    const { cart } = await svc.gqlOk(g.CartDocument, { id: createCart.id }, null);
    assert.equal(cart.status, 'OPEN');
    assert.equal(cart.lines.length, 0, 'refused edits left nothing behind');
  });
});
