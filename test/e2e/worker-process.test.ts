/**
 * The workers as their own process (`npm run worker`, SERVICE_ROLE=worker) on the service's database: a clean stop
 * on SIGTERM, and a crash (SIGKILL) in the middle of delivering side effects, then a restart: every effect inside
 * the database happens exactly once. Runs on SQLite, and on PostgreSQL with TEST_DATABASE=postgresql.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StockMovement } from '../../src/modules/catalogue/stock-movement.entity.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { UpsertProductDocument } from '../generated/graphql.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { testDatabaseKind } from '../support/test-database.js';

const WORKER = fileURLToPath(new URL('../../src/worker.js', import.meta.url));
const ORDERS = 30;

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
}

function startWorker(databaseUrl: string): WorkerProcess {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      OUTBOX_POLL_INTERVAL_MS: '20',
      OUTBOX_BATCH_SIZE: '3',
      OUTBOX_LEASE_MS: '1000',
      SHUTDOWN_GRACE_MS: '5000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

describe(`the worker process (${testDatabaseKind()})`, () => {
  let scratch: ScratchDatabase;
  let svc: TestService;
  before(async () => {
    scratch = await createScratchDatabase(testDatabaseKind(), 'workers');
    svc = await startTestService({ databaseUrl: scratch.config.url });
    await svc.gqlOk(UpsertProductDocument, { input: { sku: 'CRASH-SKU', name: 'Crash test', unitPrice: 1000, currency: 'DKK', stockOnHand: 1000 } });
  });
  after(async () => {
    await svc?.close();
    await scratch?.drop();
  });

  const em = () => svc.services.orm.em.fork();
  const stockRows = () => em().count(OutboxMessage, { topic: OutboxTopic.DECREMENT_STOCK, status: OutboxStatus.DONE });

  it('stops cleanly on SIGTERM and says so', async () => {
    const worker = startWorker(scratch.config.url);
    for (let i = 0; i < 200 && !worker.output().includes('background workers'); i++) await sleep(25);
    assert.match(worker.output(), /\(worker\) on background workers/);
    const exit = once(worker.child, 'exit');
    worker.child.kill('SIGTERM');
    const [code] = (await exit) as [number | null];
    assert.equal(code, 0, worker.output());
    assert.match(worker.output(), /stopping: no new work/);
    assert.match(worker.output(), /stopped cleanly/);
  });

  it('survives being killed while delivering: after a restart every effect in the database happened exactly once', async () => {
    for (let i = 0; i < ORDERS; i++) {
      const co = await checkout(svc, await createFilledCart(svc, { lines: [{ sku: 'CRASH-SKU', quantity: 1 }] }));
      const paid = await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      assert.equal(paid.status, 200);
    }
    const first = startWorker(scratch.config.url);
    for (let i = 0; i < 400 && (await stockRows()) < 3; i++) await sleep(10);
    const killed = once(first.child, 'exit');
    first.child.kill('SIGKILL'); // no chance to finish or release anything
    await killed;
    const deliveredBeforeCrash = await stockRows();
    assert.ok(deliveredBeforeCrash < ORDERS, `killed in the middle (${deliveredBeforeCrash} of ${ORDERS} delivered)`);

    const second = startWorker(scratch.config.url);
    try {
      for (let i = 0; i < 600 && (await stockRows()) < ORDERS; i++) await sleep(25);
      assert.equal(await stockRows(), ORDERS, second.output().slice(-2000));
    } finally {
      const exit = once(second.child, 'exit');
      second.child.kill('SIGTERM');
      await exit;
    }
    assert.equal(await em().count(StockMovement, { sku: 'CRASH-SKU' }), ORDERS, 'one ledger row per order');
    const [{ stockOnHand }] = await svc.services.products.list().then((ps) => ps.filter((p) => p.sku === 'CRASH-SKU'));
    assert.equal(stockOnHand, 1000 - ORDERS, 'stock moved once per order');
  });
});
