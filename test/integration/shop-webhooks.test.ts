/**
 * Webhooks to the shop's systems (issue 6, seed 003's export): `order.ready` for every ready order and
 * `order.flagged` for every flag, signed the Standard Webhooks way and verified by a real receiver with the
 * `standardwebhooks` package; at least once, with one `webhook-id` per event however often it is sent; bounded (a
 * timeout, no redirects, a bounded part of the answer kept); nothing sent, and nothing left waiting, without
 * SHOP_WEBHOOK_URL. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { WEBHOOK_NOT_CONFIGURED } from '../../src/modules/shop-webhook/shop-webhook.handlers.js';
import { ApplyGiftCardDocument, CreateGiftCardDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { drain, outboxWorker } from '../support/outbox-worker.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, DEFAULT_CART, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../support/webhook-receiver.js';

const TIMEOUT_MS = 2000;

describe(`webhooks to the shop (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let receiver: WebhookReceiver;
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    receiver = await startWebhookReceiver();
    svc = await startTestService({
      env: { SHOP_WEBHOOK_URL: receiver.url, SHOP_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, SHOP_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(async () => {
    await svc?.close();
    await receiver?.close();
  });

  const em = () => svc.services.orm.em.fork();
  const authorise = async (co: Checkout, amount = co.order.total) =>
    assert.equal((await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount }]))).status, 200);
  const row = async (orderId: string, topic: OutboxTopic) => (await db.outbox(orderId)).find((r) => r.topic === topic)!;
  /** Answers `answer` to deliveries about `orderId`, 204 to the rest. */
  const answerFor = (orderId: string, answer: ReturnType<WebhookReceiver['answer']>) => {
    receiver.answer = (w) => (w.event?.data.orderId === orderId ? answer : { status: 204 });
  };
  // Retries far in the future unless a test asks otherwise, so one drain is one attempt.
  const oneAttempt = () => outboxWorker(svc, { retryBaseMs: 600_000, retryMaxMs: 600_000 });

  it('sends order.ready once per ready order, signed, with what seed 003 exports; a redelivery carries the same webhook-id', async () => {
    await svc.gqlOk(CreateGiftCardDocument, { input: { code: 'GIFT-WEBHOOK-SECRET', currency: 'DKK', balance: 1000 } });
    const cartId = await createFilledCart(svc);
    await svc.gqlOk(ApplyGiftCardDocument, { cartId, code: 'GIFT-WEBHOOK-SECRET' }, null);
    const co = await checkout(svc, cartId);
    await authorise(co);
    await authorise(co); // the gateway's resend: still one ready order, one export
    await drain(outboxWorker(svc));

    const sent = receiver.forOrder(co.order.id, 'order.ready');
    assert.equal(sent.length, 1, 'one order.ready');
    const [first] = sent;
    assert.equal(first.verifyError, null, 'Webhook.verify accepts the signature');
    assert.match(first.id, /^msg_[A-Za-z0-9_-]{32}$/);
    assert.match(first.headers['webhook-signature'] as string, /^v1,[A-Za-z0-9+/]+=*$/);
    assert.equal(first.headers['content-type'], 'application/json');
    const order = await db.order(co.order.id);
    const payment = await db.payment(co.order.id);
    assert.deepEqual(first.event, {
      type: 'order.ready',
      timestamp: order.readyAt!.toISOString(),
      data: {
        orderId: co.order.id,
        orderNumber: co.order.payment.reference,
        placedAt: order.placedAt.toISOString(),
        readyAt: order.readyAt!.toISOString(),
        currency: 'DKK',
        lines: [
          { kind: 'PRODUCT', sku: 'TEA-EARL', name: 'Earl Grey, 100 g', unitPrice: 4500, quantity: 2, lineTotal: 9000 },
          { kind: 'PRODUCT', sku: 'MUG-BLUE', name: 'Blue mug', unitPrice: 12900, quantity: 1, lineTotal: 12900 },
        ],
        customFields: DEFAULT_CART.customFields,
        totals: { subtotal: 21900, discount: 0, giftCards: 1000, total: 20900 },
        payment: {
          gateway: 'QUICKPAY',
          gatewayPaymentId: payment.gatewayPaymentId,
          status: 'AUTHORIZED',
          amount: 20900,
          captured: 0,
          refunded: 0,
          fee: 0,
          currency: 'DKK',
          testCard: false,
        },
        flags: [],
      },
    });
    for (const secret of ['GIFT-WEBHOOK-SECRET', co.accessToken, TEST_KEYS.privateKey, TEST_KEYS.apiKey, TEST_WEBHOOK_SECRET, TEST_WEBHOOK_SECRET.slice(6)]) {
      assert.ok(!first.body.includes(secret) && !JSON.stringify(first.headers).includes(secret), 'no code, token or key is sent');
    }
    const exported = await row(co.order.id, OutboxTopic.EXPORT_ORDER);
    assert.deepEqual([exported.status, exported.attempts, exported.lastError], [OutboxStatus.DONE, 1, 'answered: 204']);

    // A worker that crashed after the receiver answered and before the row was marked done: sent again, same id.
    await em().nativeUpdate(OutboxMessage, { id: exported.id }, { status: OutboxStatus.PENDING, nextAttemptAt: new Date(0) });
    await drain(outboxWorker(svc));
    const again = receiver.forOrder(co.order.id, 'order.ready');
    assert.equal(again.length, 2);
    assert.equal(again[1].id, first.id, 'the receiver can tell it is the same event');
    assert.equal(again[1].verifyError, null);
  });

  it('retries a receiver that answers 500, then FAILs the row with the status and a bounded part of the answer', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    answerFor(co.order.id, { status: 500, body: `shop system down ${'x'.repeat(10_000)}` });
    await authorise(co);
    const worker = outboxWorker(svc, { maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 40 });
    for (let i = 0; i < 100 && (await row(co.order.id, OutboxTopic.EXPORT_ORDER)).status === OutboxStatus.PENDING; i++) {
      await worker.runOnce();
      await sleep(15);
    }
    const failed = await row(co.order.id, OutboxTopic.EXPORT_ORDER);
    assert.equal(failed.status, OutboxStatus.FAILED);
    assert.equal(failed.attempts, 3);
    assert.match(failed.lastError ?? '', /^answered 500: shop system down x+$/);
    assert.ok(failed.lastError!.length <= 'answered 500: '.length + svc.services.config.shopWebhook.answerKeepBytes, 'only SHOP_WEBHOOK_ANSWER_KEEP bytes of the answer are kept');
    assert.ok(!failed.lastError!.includes('token='), 'the URL (and what its query may carry) is not recorded');
    const attempts = receiver.forOrder(co.order.id, 'order.ready');
    assert.equal(attempts.length, 3);
    assert.equal(new Set(attempts.map((a) => a.id)).size, 1, 'every attempt carries the same webhook-id');
  });

  it('does not follow a redirect: a 3xx is a failed attempt, and nothing is sent where it points', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    answerFor(co.order.id, { status: 307, headers: { location: `${new URL(receiver.url).origin}/elsewhere` } });
    await authorise(co);
    await drain(oneAttempt());
    const attempt = await row(co.order.id, OutboxTopic.EXPORT_ORDER);
    assert.deepEqual([attempt.status, attempt.attempts], [OutboxStatus.PENDING, 1]);
    assert.match(attempt.lastError ?? '', /^answered 307, a redirect \(not followed\)/);
    assert.equal(receiver.received.filter((w) => w.path.startsWith('/elsewhere')).length, 0);
  });

  it('gives up on a receiver that does not answer within SHOP_WEBHOOK_TIMEOUT_MS, and retries it later', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    answerFor(co.order.id, 'hang');
    await authorise(co);
    await drain(oneAttempt());
    const attempt = await row(co.order.id, OutboxTopic.EXPORT_ORDER);
    assert.deepEqual([attempt.status, attempt.attempts], [OutboxStatus.PENDING, 1]);
    assert.equal(attempt.lastError, `no answer within ${TIMEOUT_MS} ms (SHOP_WEBHOOK_TIMEOUT_MS)`);
    assert.equal(receiver.forOrder(co.order.id, 'order.ready').length, 1, 'it did reach the receiver');
  });

  it('tells the shop\'s systems of every flag as order.flagged, beside the e-mail row', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    await authorise(co, co.order.total - 1);
    await drain(outboxWorker(svc));
    const flagged = receiver.forOrder(co.order.id, 'order.flagged');
    assert.equal(flagged.length, 1);
    assert.equal(flagged[0].verifyError, null);
    assert.deepEqual(flagged[0].event?.data, {
      orderId: co.order.id,
      orderNumber: co.order.payment.reference,
      flag: OrderFlag.AMOUNT_MISMATCH,
      flags: [OrderFlag.AMOUNT_MISMATCH],
      orderStatus: 'PENDING_PAYMENT',
      paymentStatus: 'AUTHORIZED',
    });
    const flagRow = await row(co.order.id, OutboxTopic.SHOP_WEBHOOK);
    assert.equal(flagged[0].event?.timestamp, flagRow.createdAt.toISOString(), 'the event\'s time is when the flag was set');
    assert.equal(receiver.forOrder(co.order.id, 'order.ready').length, 0, 'a flagged pending order is not exported');
    const topics = (await db.outbox(co.order.id)).map((r) => r.topic).filter((t) => t !== OutboxTopic.PENDING_PAYMENT_ALERT).sort();
    assert.deepEqual(topics, [OutboxTopic.NOTIFY_SHOP, OutboxTopic.SHOP_WEBHOOK], 'the e-mail to the shop is its own row (beside the pending alert owed since checkout)');
  });
});

describe(`no webhook without SHOP_WEBHOOK_URL (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  it('writes the rows and marks them done, unsent, saying why', async () => {
    const receiver = await startWebhookReceiver();
    const svc = await startTestService();
    try {
      await seedCatalogue(svc);
      assert.equal(svc.services.config.shopWebhook.url, null);
      assert.equal(svc.services.shopWebhook, null);
      const co = await checkout(svc, await createFilledCart(svc));
      await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total - 1 }]));
      await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total - 1 }, { id: 2, type: 'authorize', amount: co.order.total }]));
      await drain(outboxWorker(svc));
      const rows = (await inspect(svc.services).outbox(co.order.id)).filter((r) => r.topic === OutboxTopic.EXPORT_ORDER || r.topic === OutboxTopic.SHOP_WEBHOOK);
      assert.deepEqual(rows.map((r) => r.topic).sort(), [OutboxTopic.EXPORT_ORDER, OutboxTopic.SHOP_WEBHOOK]);
      for (const r of rows) assert.deepEqual([r.status, r.lastError], [OutboxStatus.DONE, `answered: ${WEBHOOK_NOT_CONFIGURED}`]);
      assert.equal(receiver.received.length, 0);
    } finally {
      await svc.close();
      await receiver.close();
    }
  });
});
