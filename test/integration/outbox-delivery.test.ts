/**
 * The outbox, delivered (issue 6, seed 003): an order that becomes ready takes its stock, redeems its coupons and
 * gift cards, once however often the delivery runs; failures are retried with back-off and end FAILED, for the
 * back office to see and retry by hand; several workers share the work without doing any of it twice. On SQLite
 * and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StockMovement } from '../../src/modules/catalogue/stock-movement.entity.js';
import { OrderFlag, OrderLineKind } from '../../src/modules/order/order.entity.js';
import { UndeliverableError, type ExternalHandler } from '../../src/modules/outbox/outbox-handler.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { flag } from '../../src/modules/order/order-lifecycle.js';
import { GiftCard } from '../../src/modules/promotions/gift-card.entity.js';
import { COUPON_ALREADY_USED_LINE } from '../../src/modules/promotions/redemptions.js';
import { CouponRedemption, GiftCardRedemption } from '../../src/modules/promotions/redemption.entities.js';
import {
  ApplyCouponCodeDocument,
  ApplyGiftCardDocument,
  CreateCouponDocument,
  CreateGiftCardDocument,
  GiftCardDocument,
  OrderDocument,
  OutboxMessagesDocument,
  ProductsDocument,
  RetryOutboxMessageDocument,
  UnlockGiftCardDocument,
  UpsertProductDocument,
} from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { drain, outboxWorker } from '../support/outbox-worker.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe(`the outbox, delivered (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    svc = await startTestService();
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  const em = () => svc.services.orm.em.fork();
  const pay = async (co: Checkout) => assert.equal((await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]))).status, 200);
  const stockOf = async (sku: string) => (await svc.gqlOk(ProductsDocument, {})).products.find((p) => p.sku === sku)!.stockOnHand;
  const product = (sku: string, stockOnHand: number) => svc.gqlOk(UpsertProductDocument, { input: { sku, name: sku, unitPrice: 1000, currency: 'DKK', stockOnHand } });

  it('takes the stock of a ready order once, with a ledger row per line, however often the delivery runs', async () => {
    await product('OUTBOX-A', 10);
    await product('OUTBOX-B', 10);
    const co = await checkout(svc, await createFilledCart(svc, { lines: [{ sku: 'OUTBOX-A', quantity: 3 }, { sku: 'OUTBOX-B', quantity: 1 }] }));
    await pay(co);
    const worker = outboxWorker(svc);
    assert.ok((await drain(worker)) >= 1);
    assert.equal(await stockOf('OUTBOX-A'), 7);
    assert.equal(await stockOf('OUTBOX-B'), 9);
    const ledger = await em().find(StockMovement, { orderId: co.order.id }, { orderBy: { sku: 'asc' } });
    assert.deepEqual(ledger.map((m) => [m.sku, m.quantity, m.stockAfter]), [['OUTBOX-A', -3, 7], ['OUTBOX-B', -1, 9]]);
    const row = (await db.outbox(co.order.id)).find((r) => r.topic === OutboxTopic.DECREMENT_STOCK)!;
    assert.equal(row.status, OutboxStatus.DONE);

    // A second delivery of the same row (a crash after the effect, before it was marked done): nothing moves.
    await em().nativeUpdate(OutboxMessage, { id: row.id }, { status: OutboxStatus.PENDING, nextAttemptAt: new Date(0) });
    await drain(worker);
    assert.equal(await stockOf('OUTBOX-A'), 7);
    assert.equal(await em().count(StockMovement, { orderId: co.order.id }), 2);
  });

  it('never takes stock for an order that is not ready', async () => {
    await product('OUTBOX-C', 5);
    const co = await checkout(svc, await createFilledCart(svc, { lines: [{ sku: 'OUTBOX-C', quantity: 2 }] }));
    await drain(outboxWorker(svc));
    assert.equal(await stockOf('OUTBOX-C'), 5);
    assert.equal(await em().count(StockMovement, { orderId: co.order.id }), 0);
  });

  it('books a line that takes stock below zero, and flags the order OUT_OF_STOCK', async () => {
    await product('OUTBOX-LAST', 1);
    const co = await checkout(svc, await createFilledCart(svc, { lines: [{ sku: 'OUTBOX-LAST', quantity: 3 }] }));
    await pay(co);
    await drain(outboxWorker(svc));
    assert.equal(await stockOf('OUTBOX-LAST'), -2);
    assert.ok((await db.order(co.order.id)).flags.includes(OrderFlag.OUT_OF_STOCK));
    assert.ok((await db.outbox(co.order.id)).some((r) => r.topic === OutboxTopic.NOTIFY_SHOP), 'the shop is to be told');
  });

  it('redeems a single-use coupon used by two pending orders on both, with seed 003\'s line and flag on the second', async () => {
    await svc.gqlOk(CreateCouponDocument, { input: { code: 'ONCE-ONLY', kind: 'PERCENT', value: 10, singleUse: true } });
    const first = await createFilledCart(svc);
    const second = await createFilledCart(svc);
    for (const cartId of [first, second]) await svc.gqlOk(ApplyCouponCodeDocument, { cartId, code: 'ONCE-ONLY' }, null);
    const a = await checkout(svc, first);
    const b = await checkout(svc, second);
    await pay(a);
    await drain(outboxWorker(svc));
    await pay(b);
    await drain(outboxWorker(svc));
    const redemptions = await em().find(CouponRedemption, { couponCode: 'ONCE-ONLY' }, { orderBy: { id: 'asc' } });
    assert.deepEqual(redemptions.map((r) => [r.orderId, r.alreadyUsed]), [[a.order.id, false], [b.order.id, true]]);
    const { order } = await svc.gqlOk(OrderDocument, { id: b.order.id }, b.accessToken);
    assert.ok(order.flags.includes('COUPON_ALREADY_USED'));
    const note = order.lines.find((l) => l.kind === OrderLineKind.NOTE);
    assert.equal(note?.name, COUPON_ALREADY_USED_LINE);
    assert.equal(order.discountTotal, b.order.discountTotal, 'the discount still applies');
    assert.equal(order.total, b.order.total);
  });

  it('redeems a gift card (balance down, lock released), and takes only what is left after a manual unlock, flagged', async () => {
    await svc.gqlOk(CreateGiftCardDocument, { input: { code: 'CARD-300', currency: 'DKK', balance: 3000 } });
    const cartId = await createFilledCart(svc);
    await svc.gqlOk(ApplyGiftCardDocument, { cartId, code: 'CARD-300' }, null);
    const co = await checkout(svc, cartId);
    assert.equal((await svc.gqlOk(GiftCardDocument, { code: 'CARD-300' })).giftCard?.lockedByOrderId, co.order.id);
    await pay(co);
    await drain(outboxWorker(svc));
    const card = (await svc.gqlOk(GiftCardDocument, { code: 'CARD-300' })).giftCard!;
    assert.deepEqual([card.balance, card.lockedByOrderId], [0, null]);

    await svc.gqlOk(CreateGiftCardDocument, { input: { code: 'CARD-UNLOCKED', currency: 'DKK', balance: 3000 } });
    const other = await createFilledCart(svc);
    await svc.gqlOk(ApplyGiftCardDocument, { cartId: other, code: 'CARD-UNLOCKED' }, null);
    const held = await checkout(svc, other);
    const refused = await svc.gql(UnlockGiftCardDocument, { code: 'CARD-UNLOCKED', reason: '' });
    assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', 'a reason is required');
    const unlocked = await svc.gqlOk(UnlockGiftCardDocument, { code: 'CARD-UNLOCKED', reason: 'customer called: card used in the shop' });
    assert.equal(unlocked.unlockGiftCard.lockedByOrderId, null);
    const audit = (await db.transitions(held.order.id)).find((t) => t.subject === 'GIFT_CARD');
    assert.match(audit?.detail ?? '', /customer called/);
    // Meanwhile the card is spent elsewhere (here: its balance set down by hand), then the order is paid after all.
    await em().nativeUpdate(GiftCard, { code: 'CARD-UNLOCKED' }, { balance: 1000 });
    await pay(held);
    await drain(outboxWorker(svc));
    const redemption = await em().findOneOrFail(GiftCardRedemption, { giftCardCode: 'CARD-UNLOCKED', orderId: held.order.id });
    assert.deepEqual([redemption.amount, redemption.taken], [3000, 1000]);
    assert.ok((await db.order(held.order.id)).flags.includes(OrderFlag.GIFT_CARD_SHORT));
  });

  it('retries a failing delivery with back-off, FAILs it after the last attempt, and lets the back office retry it, audited', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    await pay(co);
    let calls = 0;
    let healthy = false;
    const flaky = new Map([[OutboxTopic.EXPORT_ORDER, { kind: 'external' as const, deliver: async () => {
      calls++;
      if (!healthy) throw new Error('the shop\'s system answered 502');
      return '204';
    } }]]);
    const worker = outboxWorker(svc, { maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 40 }, flaky);
    const row = () => db.outbox(co.order.id).then((rows) => rows.find((r) => r.topic === OutboxTopic.EXPORT_ORDER)!);
    for (let i = 0; i < 50 && (await row()).status === OutboxStatus.PENDING; i++) {
      await worker.runOnce();
      await sleep(15);
    }
    const failed = await row();
    assert.equal(failed.status, OutboxStatus.FAILED);
    assert.equal(failed.attempts, 3);
    assert.match(failed.lastError ?? '', /502/);
    assert.ok(calls >= 3);

    const listed = await svc.gqlOk(OutboxMessagesDocument, { status: 'FAILED', orderId: co.order.id });
    assert.deepEqual(listed.outboxMessages.map((m) => m.id), [String(failed.id)]);
    assert.equal((await svc.gql(OutboxMessagesDocument, {}, null)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');

    healthy = true;
    const retried = await svc.gqlOk(RetryOutboxMessageDocument, { id: String(failed.id), reason: 'the shop fixed its endpoint' });
    assert.deepEqual([retried.retryOutboxMessage.status, retried.retryOutboxMessage.attempts], ['PENDING', 0]);
    const again = await svc.gql(RetryOutboxMessageDocument, { id: String(failed.id), reason: 'twice' });
    assert.equal(again.errors?.[0]?.extensions?.code, 'CONFLICT', 'only a FAILED one');
    await drain(worker);
    assert.equal((await row()).status, OutboxStatus.DONE);
    const audit = (await db.transitions(co.order.id)).find((t) => t.subject === 'OUTBOX');
    assert.deepEqual([audit?.fromStatus, audit?.toStatus, audit?.source], ['FAILED', 'PENDING', 'BACK_OFFICE']);
    assert.match(audit?.detail ?? '', /the shop fixed its endpoint/);
  });

  it('fails a row at once on an UndeliverableError, and runs its handler\'s onFailedForGood in the transaction that marks it FAILED', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    await pay(co);
    const hookCalls: string[] = [];
    let hookFails = true;
    const hopeless: ExternalHandler = {
      kind: 'external',
      deliver: async () => {
        throw new UndeliverableError('the shop\'s system says this order can never be exported');
      },
      onFailedForGood(tx, { order, payment }, row, lastError, cause) {
        hookCalls.push(`${row.topic}: ${lastError}`);
        flag(tx, order, payment, OrderFlag.NOTIFICATION_NOT_APPLIED, cause);
        if (hookFails) throw new Error('the database went away mid-transaction');
      },
    };
    const worker = outboxWorker(svc, { maxAttempts: 5 }, new Map([[OutboxTopic.EXPORT_ORDER, hopeless]]));
    const row = () => db.outbox(co.order.id).then((rows) => rows.find((r) => r.topic === OutboxTopic.EXPORT_ORDER)!);

    // The hook fails: neither the flag nor FAILED is written; the row stays with the worker until its lease expires.
    await worker.runOnce();
    assert.equal((await row()).status, OutboxStatus.PENDING);
    assert.equal((await row()).attempts, 0);
    assert.ok(!(await db.order(co.order.id)).flags.includes(OrderFlag.NOTIFICATION_NOT_APPLIED));

    hookFails = false;
    const taken = (await worker.claim(new Date(Date.now() + svc.services.config.outbox.leaseMs + 1000))).filter((r) => r.orderId === co.order.id);
    for (const r of taken) await worker.deliver(r);
    const failed = await row();
    assert.deepEqual([failed.status, failed.attempts, failed.lastError], [OutboxStatus.FAILED, 1, 'the shop\'s system says this order can never be exported']);
    assert.ok((await db.order(co.order.id)).flags.includes(OrderFlag.NOTIFICATION_NOT_APPLIED), 'flagged with the FAILED row');
    assert.deepEqual(hookCalls, Array(2).fill('EXPORT_ORDER: the shop\'s system says this order can never be exported'));
  });

  it('shares the work between workers running at once: every effect once', async () => {
    await product('OUTBOX-SHARED', 1000);
    const orders: Checkout[] = [];
    for (let i = 0; i < 12; i++) {
      const co = await checkout(svc, await createFilledCart(svc, { lines: [{ sku: 'OUTBOX-SHARED', quantity: 1 }] }));
      await pay(co);
      orders.push(co);
    }
    const workers = [outboxWorker(svc, { batchSize: 2 }), outboxWorker(svc, { batchSize: 2 }), outboxWorker(svc, { batchSize: 3 })];
    await Promise.all(workers.map((w) => drain(w)));
    assert.equal(await stockOf('OUTBOX-SHARED'), 1000 - orders.length);
    assert.equal(await em().count(StockMovement, { sku: 'OUTBOX-SHARED' }), orders.length);
  });

  it('takes over the rows of a worker that crashed once their lease expires, and the crashed one records nothing after', async () => {
    await product('OUTBOX-LEASE', 50);
    const co = await checkout(svc, await createFilledCart(svc, { lines: [{ sku: 'OUTBOX-LEASE', quantity: 5 }] }));
    await pay(co);
    const crashed = outboxWorker(svc);
    const claimed = (await crashed.claim(new Date())).filter((r) => r.orderId === co.order.id);
    assert.ok(claimed.length > 0);
    const other = outboxWorker(svc);
    assert.equal((await other.claim(new Date())).filter((r) => r.orderId === co.order.id).length, 0, 'leased rows are not claimed again');
    const later = new Date(Date.now() + svc.services.config.outbox.leaseMs + 1000);
    const takenOver = (await other.claim(later)).filter((r) => r.orderId === co.order.id);
    assert.equal(takenOver.length, claimed.length, 'after the lease, another worker takes them');
    for (const r of takenOver) await other.deliver(r);
    for (const r of claimed) await crashed.deliver(r); // the first worker wakes up: its lease is gone
    assert.equal(await stockOf('OUTBOX-LEASE'), 45);
    assert.equal(await em().count(StockMovement, { orderId: co.order.id }), 1);
  });
});

describe(`the background workers (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  it('deliver by themselves in a service started with SERVICE_ROLE=all, and stop with it', async () => {
    const svc = await startTestService({ env: { SERVICE_ROLE: 'all', OUTBOX_POLL_INTERVAL_MS: '50' } });
    try {
      await seedCatalogue(svc);
      assert.ok(svc.workers, 'workers run');
      const before = (await svc.gqlOk(ProductsDocument, {})).products.find((p) => p.sku === 'TEA-EARL')!.stockOnHand;
      const co = await checkout(svc, await createFilledCart(svc));
      await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      let stock = before;
      for (let i = 0; i < 200 && stock === before; i++) {
        await sleep(25);
        stock = (await svc.gqlOk(ProductsDocument, {})).products.find((p) => p.sku === 'TEA-EARL')!.stockOnHand;
      }
      assert.equal(stock, before - 2);
    } finally {
      await svc.close();
    }
  });
});
