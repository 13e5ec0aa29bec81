/**
 * Money is one type end to end: whole minor units up to 2^53 - 1, in 64-bit columns, the `Money` scalar in GraphQL,
 * and the gateway's amount fields. An order larger than 2^31 minor units is placed, paid, listed and shown like any
 * other; amounts beyond what the service holds are refused at the door. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_MONEY } from '../../src/modules/shared/money.js';
import { AddCartLineDocument, CheckoutDocument, CreateCartDocument, OrderDocument, OrdersDocument, UpsertProductDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe(`money beyond 32 bits (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => (svc = await startTestService()));
  after(() => svc.close());

  const product = (sku: string, unitPrice: number, stockOnHand = 100_000) => svc.gql(UpsertProductDocument, { input: { sku, name: sku, unitPrice, currency: 'DKK', stockOnHand } });
  const cartWith = async (sku: string, quantity: number) => {
    const { createCart } = await svc.gqlOk(CreateCartDocument, { currency: 'DKK' }, null);
    await svc.gqlOk(AddCartLineDocument, { cartId: createCart.id, sku, quantity }, null);
    return createCart.id;
  };

  it('places, pays and lists an order of 4,999,500,000 minor units', async () => {
    assert.equal((await product('YACHT-PART', 500_000)).errors, undefined);
    const cartId = await cartWith('YACHT-PART', 9_999);
    const { checkout } = await svc.gqlOk(CheckoutDocument, { input: { cartId, idempotencyKey: `big-${cartId}`, paymentMethod: 'card' } }, null);
    assert.equal(checkout.order.total, 4_999_500_000);
    assert.equal(checkout.order.lines[0].lineTotal, 4_999_500_000);
    assert.equal(checkout.redirect.fields.find((f) => f.name === 'amount')?.value, '4999500000', 'the gateway is asked for the whole amount');

    const body = paymentResource(checkout.order.payment.reference, [{ id: 1, type: 'authorize', amount: 4_999_500_000 }]);
    assert.equal((await postCallback(svc.url, body)).status, 200);
    const { order } = await svc.gqlOk(OrderDocument, { id: checkout.order.id }, checkout.accessToken);
    assert.equal(order.status, 'READY');
    assert.equal(order.payment.amountAuthorized, 4_999_500_000);
    const listed = await svc.gql(OrdersDocument, { first: 20 });
    assert.equal(listed.errors, undefined, 'the back office lists it with every other order');
    assert.equal(listed.data!.orders.edges.find((e) => e.node.id === checkout.order.id)?.node.total, 4_999_500_000);
    assert.equal((await inspect(svc.services).order(checkout.order.id)).total, 4_999_500_000);
  });

  it('holds the largest amount, and refuses one larger, or negative, or fractional, at the door', async () => {
    assert.equal((await product('MAX', MAX_MONEY)).data?.upsertProduct.unitPrice, MAX_MONEY);
    for (const unitPrice of [MAX_MONEY + 1, -1, 1.5, 2 ** 63]) {
      const res = await product('TOO-MUCH', unitPrice);
      assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', String(unitPrice));
    }
    assert.equal((await product('STOCKED', 100, 2 ** 31)).errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', 'stock beyond 32 bits');
  });

  it('refuses a checkout whose total would pass the largest amount', async () => {
    await product('HUGE', 10 ** 15);
    const cartId = await cartWith('HUGE', 9_999);
    const res = await svc.gql(CheckoutDocument, { input: { cartId, idempotencyKey: `huge-${cartId}`, paymentMethod: 'card' } }, null);
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(res.errors![0].message, /largest amount/);
  });
});
