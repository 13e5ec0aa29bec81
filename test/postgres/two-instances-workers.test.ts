/**
 * PostgreSQL: two service instances on one database, both running the workers and the reconciler (issue 6). Orders
 * are paid, some with their callbacks dropped (the reconciler must find those), while both instances deliver side
 * effects and chase payments: every effect happens once (stock, e-mails at a real SMTP server), and no payment is
 * asked about by both instances at the same time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseKind } from '../../src/config/config.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { GatewayName } from '../../src/gateways/gateway.js';
import { StockMovement } from '../../src/modules/catalogue/stock-movement.entity.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { startQuickPaySimulator, type QuickPaySimulator } from '../../src/simulator/quickpay-simulator.js';
import { openPaymentWindow, pay } from '../e2e/payment-window.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';
import { startTestSmtpServer, type TestSmtpServer } from '../support/test-smtp-server.js';

const ORDERS = 16;

describe('two instances running the workers and the reconciler on one PostgreSQL', () => {
  let db: ScratchDatabase;
  let sim: QuickPaySimulator;
  let smtp: TestSmtpServer;
  const instances: TestService[] = [];
  /** Every question to the gateway: which payment, by which instance, from when to when. */
  const asked: { reference: string; instance: number; from: number; to: number }[] = [];

  before(async () => {
    db = await createScratchDatabase(DatabaseKind.POSTGRESQL, 'two-workers');
    sim = await startQuickPaySimulator({ apiKey: TEST_KEYS.apiKey, privateKey: TEST_KEYS.privateKey, merchantId: TEST_KEYS.merchantId, retryIntervalMs: 100, maxAttempts: 3 });
    smtp = await startTestSmtpServer();
    const env = {
      SERVICE_ROLE: 'all',
      QUICKPAY_PAYMENT_WINDOW_URL: sim.url,
      QUICKPAY_API_URL: sim.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'shop@example.com',
      OUTBOX_POLL_INTERVAL_MS: '20',
      OUTBOX_BATCH_SIZE: '3',
      RECONCILER_POLL_INTERVAL_MS: '20',
      RECONCILER_BATCH_SIZE: '2',
      RECONCILER_SCHEDULE: '30ms',
      RECONCILER_GIVE_UP_AFTER: '1h',
    };
    for (let i = 0; i < 2; i++) {
      const svc = await startTestService({ databaseKind: DatabaseKind.POSTGRESQL, databaseUrl: db.config.url, env });
      const gateway = svc.services.gateways.get(GatewayName.QUICKPAY);
      const fetchStatus = gateway.fetchPaymentStatus.bind(gateway);
      gateway.fetchPaymentStatus = async (payment) => {
        const from = performance.now();
        try {
          await sleep(10); // a question takes a while: room for the other instance to ask at the same time
          return await fetchStatus(payment);
        } finally {
          asked.push({ reference: payment.reference, instance: i, from, to: performance.now() });
        }
      };
      instances.push(svc);
    }
    await seedCatalogue(instances[0]);
  });
  after(async () => {
    for (const svc of instances) await svc.close();
    await smtp?.close();
    await sim?.close();
    await db?.drop();
  });

  it('does every effect once and never asks about one payment from both at once', async () => {
    const [a, b] = instances;
    const orders: Checkout[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const svc = i % 2 ? a : b;
      const co = await checkout(svc, await createFilledCart(svc), undefined, `shopper-${i}@example.com`);
      if (i % 2) sim.setFaults(co.order.payment.reference, { drop: true }); // only the reconciler will hear of these
      await pay(await openPaymentWindow(co.redirect));
      orders.push(co);
    }
    const dbi = inspect(a.services);
    const em = () => a.services.orm.em.fork();
    const settled = async () =>
      (await Promise.all(orders.map((co) => dbi.order(co.order.id)))).every((o) => o.status === 'READY') &&
      (await em().count(OutboxMessage, { status: OutboxStatus.PENDING, topic: { $in: [OutboxTopic.DECREMENT_STOCK, OutboxTopic.SEND_CONFIRMATION_EMAIL] } })) === 0;
    for (let i = 0; i < 400 && !(await settled()); i++) await sleep(50);
    assert.ok(await settled(), 'every order ready and its effects delivered');

    for (const co of orders) {
      const moved = await em().find(StockMovement, { orderId: co.order.id });
      assert.deepEqual(moved.map((m) => [m.sku, -m.quantity]).sort(), co.order.lines.map((l) => [l.sku, l.quantity]).sort(), `stock of ${co.order.id} taken once`);
      assert.equal(smtp.messages.filter((m) => m.parsed.messageId?.startsWith(`<order-${co.order.id}.confirmation@`)).length, 1, `one confirmation for ${co.order.id}`);
    }
    assert.ok(new Set(asked.map((q) => q.instance)).size === 2, 'both instances asked the gateway');
    for (const q of asked) {
      const overlapping = asked.filter((o) => o !== q && o.reference === q.reference && o.instance !== q.instance && o.from < q.to && q.from < o.to);
      assert.deepEqual(overlapping, [], `payment ${q.reference} asked about by both instances at once`);
    }
  });
});
