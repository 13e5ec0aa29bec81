/**
 * The customer's e-mail address at checkout (issue 6): optional, checked, stored with the order and shown to the
 * order's token holder and the back office; the confirmation is owed only when it was given. On SQLite and
 * PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { CheckoutDocument, OrderDocument, OrdersDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe(`the customer's e-mail address at checkout (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('is stored with the order, trimmed, and shown to the token holder and the back office', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, '  ada.lovelace+tea@example.com ');
    assert.equal(co.order.customerEmail, 'ada.lovelace+tea@example.com');
    const mine = await svc.gqlOk(OrderDocument, { id: co.order.id }, co.accessToken);
    assert.equal(mine.order.customerEmail, 'ada.lovelace+tea@example.com');
    const listed = await svc.gqlOk(OrdersDocument, { first: 100 });
    assert.equal(listed.orders.edges.find((e) => e.node.id === co.order.id)?.node.customerEmail, 'ada.lovelace+tea@example.com');
    assert.equal((await svc.gql(OrderDocument, { id: co.order.id }, null)).errors?.[0]?.extensions?.code, 'FORBIDDEN', 'nobody else reads it');
  });

  it('is optional: without it (or empty) the order has none', async () => {
    assert.equal((await checkout(svc, await createFilledCart(svc))).order.customerEmail, null);
    assert.equal((await checkout(svc, await createFilledCart(svc), undefined, '   ')).order.customerEmail, null);
  });

  it('refuses an address that is not one with BAD_USER_INPUT, and places no order', async () => {
    const bad = [
      'not-an-address',
      'two@@example.com',
      'a b@example.com',
      'ada@example.com\r\nBcc: everyone@example.com',
      'ada\u0000@example.com',
      'ada@exa mple.com',
      '<ada@example.com>',
      'Ada <ada@example.com>',
      'ådå@example.com',
      `${'a'.repeat(65)}@example.com`,
      `ada@${['d', 'e', 'f', 'g', 'h'].map((c) => c.repeat(60)).join('.')}.dk`,
    ];
    for (const email of bad) {
      const cartId = await createFilledCart(svc);
      const result = await svc.gql(CheckoutDocument, { input: { cartId, paymentMethod: 'card', idempotencyKey: `bad-email-${cartId}`, email } }, null);
      assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(email));
      assert.deepEqual(await inspect(svc.services).orders(cartId), [], `no order for ${JSON.stringify(email)}`);
    }
  });

  it('owes a confirmation only to a ready order that has an address', async () => {
    const pay = async (reference: string, total: number) =>
      assert.equal((await postCallback(svc.url, paymentResource(reference, [{ id: 1, type: 'authorize', amount: total }]))).status, 200);
    const withAddress = await checkout(svc, await createFilledCart(svc), undefined, 'grace@example.com');
    const without = await checkout(svc, await createFilledCart(svc));
    const db = inspect(svc.services);
    const owed = async (orderId: string) => (await db.outbox(orderId)).filter((r) => r.topic === OutboxTopic.SEND_CONFIRMATION_EMAIL).length;
    assert.equal(await owed(withAddress.order.id), 0, 'nothing before the order is ready');
    await pay(withAddress.order.payment.reference, withAddress.order.total);
    await pay(without.order.payment.reference, without.order.total);
    assert.equal(await owed(withAddress.order.id), 1);
    assert.equal(await owed(without.order.id), 0);
  });
});
