import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Coupon } from '../../src/modules/promotions/coupon.entity.js';
import { Product } from '../../src/modules/catalogue/product.entity.js';
import {
  ApplyCouponCodeDocument,
  CheckoutDocument,
  CreateCouponDocument,
  ReportRedirectOutcomeDocument,
  SetCartCustomFieldDocument,
  UpsertProductDocument,
} from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { postGraphQL } from '../support/raw-clients.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type GqlResult, type TestService } from '../support/test-service.js';

/** Text neither database can keep as given: a NUL (PostgreSQL refuses it) and a lone surrogate (not Unicode). */
const UNSTORABLE = { NUL: 'a\u0000b', 'lone surrogate': 'a\ud800b' } as const;

function refusedAsInput(result: GqlResult<unknown>, argument: string, what: string): void {
  assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${what}: ${JSON.stringify(result.errors)}`);
  assert.equal(result.errors?.[0]?.extensions?.argument, argument, what);
  assert.match(result.errors![0].message, new RegExp(argument.replace(/[.[\]]/g, '\\$&')), `${what}: the message names the argument`);
}

describe(`strings and lists at the door (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    svc = await startTestService();
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('refuses a custom field key or value with a NUL or a lone surrogate, and keeps the cart as it was', async () => {
    const cartId = await createFilledCart(svc);
    const before = await db.cart(cartId);
    for (const [what, text] of Object.entries(UNSTORABLE)) {
      refusedAsInput(await svc.gql(SetCartCustomFieldDocument, { cartId, key: 'giftNote', value: text }, null), 'value', `value with a ${what}`);
      refusedAsInput(await svc.gql(SetCartCustomFieldDocument, { cartId, key: text, value: 'x' }, null), 'key', `key with a ${what}`);
    }
    const after = await db.cart(cartId);
    assert.deepEqual(after.customFields, before.customFields);
    assert.equal(after.revision, before.revision, 'no edit was made');
  });

  it('refuses a product name with a NUL or a lone surrogate, and stores no product', async () => {
    for (const [what, text] of Object.entries(UNSTORABLE)) {
      const sku = `BAD-${what.replace(' ', '-')}`;
      const input = { sku, name: text, unitPrice: 100, currency: 'DKK', stockOnHand: 1 };
      refusedAsInput(await svc.gql(UpsertProductDocument, { input }), 'input.name', `name with a ${what}`);
      assert.equal(await svc.services.orm.em.fork().count(Product, { sku }), 0, what);
    }
  });

  it('refuses a coupon code with a NUL or a lone surrogate, whether created or applied, and stores nothing', async () => {
    const cartId = await createFilledCart(svc);
    for (const [what, text] of Object.entries(UNSTORABLE)) {
      refusedAsInput(await svc.gql(CreateCouponDocument, { input: { code: text, kind: 'PERCENT', value: 10 } }), 'input.code', `created coupon with a ${what}`);
      refusedAsInput(await svc.gql(ApplyCouponCodeDocument, { cartId, code: text }, null), 'code', `applied coupon with a ${what}`);
    }
    assert.equal(await svc.services.orm.em.fork().count(Coupon, {}), 0);
    assert.deepEqual((await db.cart(cartId)).couponCodes, []);
  });

  it("refuses a checkout whose idempotencyKey has a NUL or a lone surrogate, and places no order", async () => {
    const cartId = await createFilledCart(svc);
    for (const [what, text] of Object.entries(UNSTORABLE)) {
      const result = await svc.gql(CheckoutDocument, { input: { cartId, idempotencyKey: text, paymentMethod: 'card' } }, null);
      refusedAsInput(result, 'input.idempotencyKey', `idempotencyKey with a ${what}`);
    }
    assert.deepEqual(await db.orders(cartId), []);
    assert.equal((await db.cart(cartId)).status, 'OPEN');
  });

  it('refuses more than GRAPHQL_MAX_LIST_LENGTH redirect parameters, from variables or written inline, and changes nothing', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    const fromVariables = await svc.gql(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL', params }, co.accessToken);
    refusedAsInput(fromVariables, 'params', '101 parameters');
    assert.deepEqual(fromVariables.errors?.[0].extensions, { code: 'BAD_USER_INPUT', argument: 'params', setting: 'GRAPHQL_MAX_LIST_LENGTH', max: 100 });
    const inline = params.map((p) => `{ key: "${p.key}", value: "${p.value}" }`).join(' ');
    const written = await postGraphQL(svc.url, `mutation { reportRedirectOutcome(orderId: "${co.order.id}", outcome: CANCEL, params: [${inline}]) { applied } }`, {}, co.accessToken);
    assert.equal(written.body.errors?.[0].extensions?.setting, 'GRAPHQL_MAX_LIST_LENGTH');
    assert.equal((await db.order(co.order.id)).status, 'PENDING_PAYMENT', 'the cancel was not applied');
    const withinLimit = await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL', params: params.slice(0, 100) }, co.accessToken);
    assert.equal(withinLimit.reportRedirectOutcome.applied, true);
  });

  it('refuses page sizes outside 1 to GRAPHQL_MAX_LIST_LENGTH instead of changing them', async () => {
    // The size as a variable: written into the query, `first` also multiplies the operation's cost (graphql-armor's
    // rule counts a page's size), which a large page may pass before its size is even looked at.
    const pages = [
      'query ($n: Int!) { orders(first: $n) { edges { node { id } } } }',
      'query ($n: Int!) { inboxMessages(limit: $n) { id } }',
      'query ($n: Int!) { outboxMessages(limit: $n) { id } }',
      'query ($n: Int!) { pendingPayments(limit: $n) { waitingSeconds } }',
    ];
    for (const page of pages) {
      for (const n of [0, 101]) {
        const res = await postGraphQL(svc.url, page, { n }, TEST_KEYS.adminApiKey);
        assert.equal(res.body.errors?.[0].extensions?.code, 'BAD_USER_INPUT', `${page} ${n}`);
        assert.equal(res.body.errors?.[0].extensions?.setting, 'GRAPHQL_MAX_LIST_LENGTH', `${page} ${n}`);
      }
      const res = await postGraphQL(svc.url, page, { n: 100 }, TEST_KEYS.adminApiKey);
      assert.equal(res.body.errors, undefined, `${page} 100`);
    }
  });
});
