/**
 * The workers give way to the front door (DESIGN.md, "Delivery gives way to the front door"): while enough HTTP
 * requests wait for their answer, or the event loop stays busy without the worker, a worker delivers only side
 * effects that are already late, and every due one again once the rush is over. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { LOOP_VERDICT_MS } from '../../src/workers/foreground-load.js';
import { inspect } from '../support/db-inspection.js';
import { outboxWorker } from '../support/outbox-worker.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { rawSocket, sleep, within, type RawSocket } from '../support/raw-clients.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const MAX_LAG_MS = 1_500;

describe(`the workers give way to the front door (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    svc = await startTestService({ env: { OUTBOX_YIELD_AT_IN_FLIGHT: '2', OUTBOX_YIELD_MAX_LAG_MS: String(MAX_LAG_MS) } });
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  /** An order made ready by its callback; its side effects are due from now. */
  const readyOrder = async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const answer = await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
    assert.equal(answer.status, 200);
    return co.order.id;
  };
  const stockRow = async (orderId: string) => (await db.outbox(orderId)).find((r) => r.topic === OutboxTopic.DECREMENT_STOCK)!;
  const inFlight = () => svc.services.foreground.requestsInFlight;
  const waitForInFlight = (n: number) =>
    within(
      (async () => {
        while (inFlight() !== n) await sleep(10);
      })(),
      `${n} requests in flight`,
    );
  /** A request whose headers arrived and whose promised body never does: it waits for its answer. */
  const hangingRequest = async (): Promise<RawSocket> => {
    const s = rawSocket(svc.url);
    await s.connected;
    s.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    return s;
  };

  it('delivers only late side effects while requests wait, and everything once they are gone', async () => {
    const worker = outboxWorker(svc, {}, undefined, true);
    const first = await readyOrder();
    assert.equal(inFlight(), 0, 'answered requests are no longer counted');

    const waiting = [await hangingRequest(), await hangingRequest()];
    await waitForInFlight(2);
    assert.equal(await worker.runOnce(), 0, 'nothing due is late yet: the worker gives way');
    assert.equal((await stockRow(first)).status, OutboxStatus.PENDING);

    // A worker that does not give way (a process of its own) would have delivered it: the row was due.
    assert.ok((await stockRow(first)).nextAttemptAt.getTime() <= Date.now());

    await sleep(MAX_LAG_MS + 200);
    assert.ok((await worker.runOnce()) > 0, 'a side effect later than OUTBOX_YIELD_MAX_LAG_MS is delivered anyway');
    assert.equal((await stockRow(first)).status, OutboxStatus.DONE);

    const second = await within(readyOrder(), 'a callback answered while two requests hang');
    assert.equal(await worker.runOnce(), 0);
    assert.equal((await stockRow(second)).status, OutboxStatus.PENDING);

    // The clients give up: their requests are no longer waiting, and the worker takes everything due at once.
    for (const s of waiting) s.socket.destroy();
    await waitForInFlight(0);
    assert.ok((await worker.runOnce()) > 0);
    assert.equal((await stockRow(second)).status, OutboxStatus.DONE);
  });

  it('gives way while the event loop is kept busy, even with no request in flight (SQLite answers within one turn)', async () => {
    const worker = outboxWorker(svc, {}, undefined, true);
    const order = await readyOrder();
    await sleep(LOOP_VERDICT_MS + 50); // the idle verdict of an earlier look no longer stands
    // Work that keeps the loop busy in turns, as a stream of synchronous SQLite requests does.
    let burning = true;
    const burn = () => {
      const until = performance.now() + 10;
      while (performance.now() < until);
      if (burning) setImmediate(burn);
    };
    burn();
    try {
      assert.equal(inFlight(), 0);
      assert.equal(await worker.runOnce(), 0);
      assert.equal((await stockRow(order)).status, OutboxStatus.PENDING);
    } finally {
      burning = false;
    }
    await sleep(LOOP_VERDICT_MS + 50);
    assert.ok((await worker.runOnce()) > 0, 'a quiet loop again: everything due is delivered');
    assert.equal((await stockRow(order)).status, OutboxStatus.DONE);
  });

  it('one request in flight is below the threshold: nothing waits', async () => {
    const worker = outboxWorker(svc, {}, undefined, true);
    const order = await readyOrder();
    const waiting = await hangingRequest();
    await waitForInFlight(1);
    assert.ok((await worker.runOnce()) > 0);
    assert.equal((await stockRow(order)).status, OutboxStatus.DONE);
    waiting.socket.destroy();
    await waitForInFlight(0);
  });
});
