/**
 * Payment methods (seed 003), end to end through GraphQL and signed callbacks: what the storefront is offered, what
 * a checkout with a method puts in the payment window, the terms a payment keeps from its checkout, the test-card
 * rule per method, the fee the gateway adds, and the gateway a used method can no longer change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayName, type GatewayName as Gateway } from '../../src/gateways/gateway.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import {
  BackOfficePaymentMethodsDocument,
  CheckoutDocument,
  CreatePaymentMethodDocument,
  OrderDocument,
  PaymentMethodsDocument,
  UpdatePaymentMethodDocument,
  type PaymentMethodInputType,
} from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const codeOf = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;

describe(`payment methods (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  const create = (input: PaymentMethodInputType) => svc.gqlOk(CreatePaymentMethodDocument, { input });
  const fields = (co: { redirect: { fields: { name: string; value: string }[] } }) => Object.fromEntries(co.redirect.fields.map((f) => [f.name, f.value]));
  const authorise = (reference: string, amount: number, o: { fee?: number; testMode?: boolean } = {}) =>
    postCallback(svc.url, paymentResource(reference, [{ id: 1, type: 'authorize', amount }], o));
  const order = async (id: string) => (await svc.gqlOk(OrderDocument, { id })).order;

  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
    await create({ code: 'mobilepay', name: 'MobilePay', gateway: GatewayName.QUICKPAY, lockedTo: 'mobilepay', position: -1 });
    await create({ code: 'card-fee', name: 'Card, fee added', gateway: GatewayName.QUICKPAY, gatewayFeeAllowed: true, testCardsAllowed: true, position: 2 });
    await create({ code: 'live-card', name: 'Card (live)', gateway: GatewayName.QUICKPAY, testCardsAllowed: false, position: 3 });
    await create({ code: 'subscription', name: 'Subscription', gateway: GatewayName.QUICKPAY, drawMethod: 'SUBSCRIPTION' as never, position: 4 });
    await create({ code: 'old-card', name: 'Old card', gateway: GatewayName.QUICKPAY, visible: false });
  });
  after(() => svc?.close());

  it('offers shoppers the visible methods, in position order; the back office sees all of them', async () => {
    const { paymentMethods } = await svc.gqlOk(PaymentMethodsDocument, {}, null);
    assert.deepEqual(paymentMethods.map((m) => m.code), ['mobilepay', 'card', 'card-fee', 'live-card', 'subscription']);
    const all = (await svc.gqlOk(BackOfficePaymentMethodsDocument, {})).backOfficePaymentMethods;
    assert.ok(all.some((m) => m.code === 'old-card' && !m.visible && m.gatewayConfigured));
    assert.equal(codeOf(await svc.gql(BackOfficePaymentMethodsDocument, {}, null)), 'UNAUTHENTICATED');
  });

  it('refuses a method that is unknown, hidden, or malformed, and a repeat code', async () => {
    const cartId = await createFilledCart(svc);
    const attempt = (paymentMethod: string) => svc.gql(CheckoutDocument, { input: { cartId, paymentMethod, idempotencyKey: `m-${paymentMethod}-${cartId}` } }, null);
    assert.equal(codeOf(await attempt('no-such-method')), 'NOT_FOUND');
    assert.equal(codeOf(await attempt('old-card')), 'BAD_USER_INPUT', 'hidden: not offered');
    assert.equal(codeOf(await svc.gql(CreatePaymentMethodDocument, { input: { code: 'card', name: 'Again', gateway: GatewayName.QUICKPAY } })), 'CONFLICT');
    for (const input of [
      { code: 'Bad Code', name: 'x' },
      { code: 'ok', name: '' },
      { code: 'ok', name: 'x', lockedTo: 'visa;drop table' },
      { code: 'ok', name: 'x', position: 10_000_000 },
    ]) {
      assert.equal(codeOf(await svc.gql(CreatePaymentMethodDocument, { input: { gateway: GatewayName.QUICKPAY, ...input } })), 'BAD_USER_INPUT', JSON.stringify(input));
    }
    assert.equal((await inspect(svc.services).cart(cartId)).status, 'OPEN', 'no order was placed');
  });

  it("puts the method's terms in QuickPay's payment window form", async () => {
    const plain = fields(await checkout(svc, await createFilledCart(svc)));
    assert.equal(plain.autofee, '0');
    assert.equal(plain.type, 'payment');
    assert.equal(plain.payment_methods, undefined);
    assert.equal(fields(await checkout(svc, await createFilledCart(svc), undefined, undefined, 'mobilepay')).payment_methods, 'mobilepay');
    assert.equal(fields(await checkout(svc, await createFilledCart(svc), undefined, undefined, 'card-fee')).autofee, '1');
    assert.equal(fields(await checkout(svc, await createFilledCart(svc), undefined, undefined, 'subscription')).type, 'subscription');
  });

  it('expects the total plus the fee when the method lets the gateway add one, and shows the fee on the order', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'card-fee');
    assert.equal((await authorise(co.order.payment.reference, co.order.total + 125, { fee: 125 })).status, 200);
    const ready = await order(co.order.id);
    assert.equal(ready.status, 'READY');
    assert.equal(ready.fee, 125);
    assert.equal(ready.totalWithFee, co.order.total + 125);

    // The same fee on a method that does not allow one: the authorisation is not the total, a mismatch.
    const plain = await checkout(svc, await createFilledCart(svc));
    await authorise(plain.order.payment.reference, plain.order.total + 125, { fee: 125 });
    const flagged = await order(plain.order.id);
    assert.equal(flagged.status, 'PENDING_PAYMENT');
    assert.deepEqual(flagged.flags, [OrderFlag.AMOUNT_MISMATCH]);

    // A fee the gateway reports but did not add to the authorisation: still not what was owed.
    const short = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'card-fee');
    await authorise(short.order.payment.reference, short.order.total, { fee: 125 });
    assert.deepEqual((await order(short.order.id)).flags, [OrderFlag.AMOUNT_MISMATCH]);
  });

  it('records a test-card payment on a method that forbids them, answers it, and never makes the order ready', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'live-card');
    const answer = await authorise(co.order.payment.reference, co.order.total, { testMode: true });
    assert.equal(answer.status, 200, 'answered so QuickPay stops resending');
    const o = await order(co.order.id);
    assert.equal(o.status, 'PENDING_PAYMENT');
    assert.equal(o.payment?.testMode, true, 'the back office sees it was a test card');
    assert.deepEqual(o.flags, [OrderFlag.TEST_PAYMENT_REFUSED]);
    // On the method that allows them, the same is a paid order.
    const allowed = await checkout(svc, await createFilledCart(svc));
    await authorise(allowed.order.payment.reference, allowed.order.total, { testMode: true });
    assert.equal((await order(allowed.order.id)).status, 'READY');
  });

  it('keeps the terms a payment was placed with when the method changes afterwards', async () => {
    await create({ code: 'changing', name: 'Changing', gateway: GatewayName.QUICKPAY, testCardsAllowed: true });
    const before = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'changing');
    const changed = await svc.gqlOk(UpdatePaymentMethodDocument, { code: 'changing', input: { testCardsAllowed: false, lockedTo: 'visa', name: 'Changed' } });
    assert.equal(changed.updatePaymentMethod.testCardsAllowed, false);
    assert.equal(changed.updatePaymentMethod.lockedTo, 'visa');
    await authorise(before.order.payment.reference, before.order.total, { testMode: true });
    assert.equal((await order(before.order.id)).status, 'READY', 'placed while test cards were allowed');
    const after = await checkout(svc, await createFilledCart(svc), undefined, undefined, 'changing');
    assert.equal(fields(after).payment_methods, 'visa');
    await authorise(after.order.payment.reference, after.order.total, { testMode: true });
    assert.deepEqual((await order(after.order.id)).flags, [OrderFlag.TEST_PAYMENT_REFUSED]);
    // null clears the lock-in list; absent fields stay.
    const cleared = await svc.gqlOk(UpdatePaymentMethodDocument, { code: 'changing', input: { lockedTo: null } });
    assert.equal(cleared.updatePaymentMethod.lockedTo, null);
    assert.equal(cleared.updatePaymentMethod.name, 'Changed');
  });

  it("refuses to change a used method's gateway (seed 003: make a new method), and hides it instead", async () => {
    await checkout(svc, await createFilledCart(svc), undefined, undefined, 'mobilepay');
    // Only QuickPay exists so far: ask the service for another gateway directly, as the next gateways will allow.
    await assert.rejects(svc.services.paymentMethods.update('mobilepay', { gateway: 'LYRA' as Gateway }), (e: Error & { extensions?: Record<string, unknown> }) => {
      assert.equal(e.extensions?.code, 'CONFLICT');
      assert.equal(e.extensions?.reason, 'METHOD_IN_USE');
      return true;
    });
    const hidden = await svc.gqlOk(UpdatePaymentMethodDocument, { code: 'mobilepay', input: { visible: false } });
    assert.equal(hidden.updatePaymentMethod.gateway, 'QUICKPAY');
    assert.ok(!(await svc.gqlOk(PaymentMethodsDocument, {}, null)).paymentMethods.some((m) => m.code === 'mobilepay'));
    assert.equal(codeOf(await svc.gql(UpdatePaymentMethodDocument, { code: 'nope', input: { visible: false } })), 'NOT_FOUND');
  });
});

describe(`a payment method whose gateway is not configured (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { QUICKPAY_PRIVATE_KEY: '' } });
    await seedCatalogue(svc);
  });
  after(() => svc?.close());

  it('is not offered, and a checkout with it is a clear GATEWAY_NOT_CONFIGURED, not an internal error', async () => {
    assert.deepEqual((await svc.gqlOk(PaymentMethodsDocument, {}, null)).paymentMethods, []);
    const [card] = (await svc.gqlOk(BackOfficePaymentMethodsDocument, {})).backOfficePaymentMethods;
    assert.equal(card.gatewayConfigured, false);
    const cartId = await createFilledCart(svc);
    const refused = await svc.gql(CheckoutDocument, { input: { cartId, paymentMethod: 'card', idempotencyKey: `unconfigured-${cartId}` } }, null);
    assert.equal(codeOf(refused), 'GATEWAY_NOT_CONFIGURED');
    assert.equal((await inspect(svc.services).cart(cartId)).status, 'OPEN');
    const callback = await postCallback(svc.url, paymentResource('R123', [{ id: 1, type: 'authorize', amount: 100 }]));
    assert.equal(callback.status, 404, 'nothing listens for a gateway that is not configured');
  });
});
