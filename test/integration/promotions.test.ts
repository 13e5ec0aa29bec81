import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import {
  ApplyCouponCodeDocument,
  ApplyGiftCardDocument,
  CheckoutDocument,
  CreateCouponDocument,
  CreateGiftCardDocument,
  GiftCardDocument,
  ReportRedirectOutcomeDocument,
} from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe(`coupons and gift cards (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
    await svc.gqlOk(CreateCouponDocument, { input: { code: 'TEN-OFF', kind: 'PERCENT', value: 10 } });
    await svc.gqlOk(CreateGiftCardDocument, { input: { code: 'GIFT-500', currency: 'DKK', balance: 5000 } });
  });
  after(() => svc.close());

  const giftCard = async () => (await svc.gqlOk(GiftCardDocument, { code: 'GIFT-500' })).giftCard!;

  it('prices discounts and gift cards into the order, locks the card while pending and releases it on cancel', async () => {
    const cartId = await createFilledCart(svc);
    await svc.gqlOk(ApplyCouponCodeDocument, { cartId, code: 'TEN-OFF' }, null);
    await svc.gqlOk(ApplyGiftCardDocument, { cartId, code: 'GIFT-500' }, null);
    const co = await checkout(svc, cartId);
    const subtotal = 2 * 4500 + 12900;
    assert.equal(co.order.subtotal, subtotal);
    assert.equal(co.order.discountTotal, Math.floor(subtotal / 10));
    assert.equal(co.order.giftCardTotal, 5000);
    assert.equal(co.order.total, subtotal - Math.floor(subtotal / 10) - 5000);
    assert.equal(co.order.payment.amount, co.order.total, 'the gateway is asked for what is left');
    assert.deepEqual(await giftCard(), { code: 'GIFT-500', balance: 5000, lockedByOrderId: co.order.id, lockedAmount: 5000 });

    const other = await createFilledCart(svc);
    await svc.gqlOk(ApplyGiftCardDocument, { cartId: other, code: 'GIFT-500' }, null);
    const refused = await svc.gql(CheckoutDocument, { input: { cartId: other, idempotencyKey: 'other-cart-1', paymentMethod: 'card' } }, null);
    assert.equal(refused.errors?.[0].extensions?.code, 'CONFLICT', 'a locked gift card cannot pay a second order');

    await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: co.order.id, outcome: 'CANCEL' }, co.accessToken);
    assert.equal((await giftCard()).lockedByOrderId, null, 'released when the order is cancelled');

    const again = await checkout(svc, cartId, 'second-attempt');
    assert.equal((await giftCard()).lockedByOrderId, again.order.id);
    await postCallback(svc.url, paymentResource(again.order.payment.reference, [{ id: 1, type: 'authorize', amount: again.order.total }]));
    const topics = (await inspect(svc.services).outbox(again.order.id)).map((o) => o.topic);
    assert.ok(topics.includes(OutboxTopic.REDEEM_GIFT_CARDS) && topics.includes(OutboxTopic.REDEEM_COUPONS), 'redemptions are owed once ready');
  });

  it('refuses bad promotions with precise errors', async () => {
    const code = async (p: Promise<{ errors?: { extensions?: { code?: string } }[] }>) => (await p).errors?.[0].extensions?.code;
    assert.equal(await code(svc.gql(CreateCouponDocument, { input: { code: 'TEN-OFF', kind: 'PERCENT', value: 10 } })), 'CONFLICT');
    assert.equal(await code(svc.gql(CreateCouponDocument, { input: { code: 'HALF', kind: 'PERCENT', value: 150 } })), 'BAD_USER_INPUT');
    assert.equal(await code(svc.gql(CreateCouponDocument, { input: { code: 'FIVE', kind: 'AMOUNT', value: 500 } })), 'BAD_USER_INPUT');
    assert.equal(await code(svc.gql(CreateGiftCardDocument, { input: { code: 'G', currency: 'DKK', balance: 10 } }, null)), 'UNAUTHENTICATED');
    const cartId = await createFilledCart(svc);
    assert.equal(await code(svc.gql(ApplyCouponCodeDocument, { cartId, code: 'NO-SUCH' }, null)), 'NOT_FOUND');
  });
});
