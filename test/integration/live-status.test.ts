import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ReportRedirectOutcomeDocument } from '../generated/graphql.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { subscriptionErrors, watchPaymentStatus } from '../support/subscriptions.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';

describe(`live payment status over graphql-ws (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('sends the current status first, then every committed change, in order', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const watch = watchPaymentStatus(svc.url, co.order.id, co.accessToken);
    try {
      await watch.until((u) => u.length >= 1);
      assert.deepEqual([watch.updates[0].orderStatus, watch.updates[0].paymentStatus], ['PENDING_PAYMENT', 'INITIATED']);
      await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'SUCCESS' }, co.accessToken);
      await watch.until((u) => u.some((x) => x.paymentStatus === 'PENDING'));
      await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      const updates = await watch.until((u) => u.some((x) => x.orderStatus === 'READY'));
      assert.deepEqual(
        updates.map((u) => `${u.orderStatus}/${u.paymentStatus}`),
        ['PENDING_PAYMENT/INITIATED', 'PENDING_PAYMENT/PENDING', 'READY/AUTHORIZED'],
      );
      assert.deepEqual(updates.map((u) => u.sequence), [...updates.map((u) => u.sequence)].sort((a, b) => a - b));
      assert.equal(new Set(updates.map((u) => u.sequence)).size, updates.length, 'sequence strictly increases');
      assert.equal(updates[2].source, 'GATEWAY_NOTIFICATION');
    } finally {
      await watch.close();
    }
  });

  it('lets the back office watch any order', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const watch = watchPaymentStatus(svc.url, co.order.id, TEST_KEYS.adminApiKey);
    try {
      const [first] = await watch.until((u) => u.length >= 1);
      assert.equal(first.orderId, co.order.id);
    } finally {
      await watch.close();
    }
  });

  it('refuses anyone without the order token or the admin key', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const other = await checkout(svc, await createFilledCart(svc));
    for (const token of [null, other.accessToken, 'made-up-token']) {
      const watch = watchPaymentStatus(svc.url, co.order.id, token);
      try {
        await assert.rejects(watch.until(() => false, 5000), (e: unknown) => JSON.stringify(e).includes('FORBIDDEN'));
        assert.deepEqual(watch.updates, [], 'nothing was pushed');
      } finally {
        await watch.close();
      }
    }
  });

  it('answers bad subscriptions with the same error codes as over HTTP', async () => {
    const invalid = await subscriptionErrors(svc.url, 'subscription { paymentStatusChanged(orderId: "x") { noSuchField } }', {}, TEST_KEYS.adminApiKey);
    assert.equal(invalid[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(invalid[0].message, /noSuchField/);
    const unknown = await subscriptionErrors(svc.url, 'subscription ($id: ID!) { paymentStatusChanged(orderId: $id) { orderStatus } }', { id: 'no-such-order' }, TEST_KEYS.adminApiKey);
    assert.equal(unknown[0].extensions?.code, 'NOT_FOUND');
  });
});
