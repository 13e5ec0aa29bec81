/**
 * Live status survives Redis going away and coming back (DESIGN.md invariant 9), against a redis-server of the
 * test's own that it stops and starts on the same port. While Redis is down the service answers as usual, says it
 * is not ready, and keeps its own subscribers live; once Redis is back it is ready again by itself, and
 * subscribers on other instances catch up on what they missed without waiting for another change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { LiveStatusBus } from '../../src/modules/live/live-status.bus.js';
import type { PaymentStatusChange } from '../../src/modules/transition/status-change.js';
import { AddCartLineDocument, CreateCartDocument } from '../generated/graphql.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { eventually } from '../support/subscription-cycles.js';
import { watchPaymentStatus, type StatusWatch } from '../support/subscriptions.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { testDatabaseKind } from '../support/test-database.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.js';

/** Short reconnect pauses so that recovery is quick in the tests (the setting under test, not a timing assertion). */
const FAST_RECONNECT = { REDIS_RECONNECT_MAX_DELAY_MS: '200' };
/** Bound on waiting for something that happens by itself (readiness flipping, a reconnect); generous for a busy machine. */
const RECOVERY_WAIT_MS = 30_000;

interface ReadinessAnswer {
  status: number;
  checks: Record<string, { ok: boolean; error?: string }>;
}

async function readiness(svc: TestService): Promise<ReadinessAnswer> {
  const res = await fetch(`${svc.url}/health/ready`);
  const body = (await res.json()) as { checks: ReadinessAnswer['checks'] };
  return { status: res.status, checks: body.checks };
}

/** Asks readiness until it answers `status`, for at most RECOVERY_WAIT_MS; returns the last answer. */
async function readinessBecomes(svc: TestService, status: number): Promise<ReadinessAnswer> {
  const deadline = Date.now() + RECOVERY_WAIT_MS;
  for (;;) {
    const answer = await readiness(svc);
    if (answer.status === status || Date.now() > deadline) return answer;
    await sleep(50);
  }
}

const authorize = (co: Awaited<ReturnType<typeof checkout>>) => paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
const capture = (co: Awaited<ReturnType<typeof checkout>>) =>
  paymentResource(co.order.payment.reference, [
    { id: 1, type: 'authorize', amount: co.order.total },
    { id: 2, type: 'capture', amount: co.order.total },
  ]);

describe('Redis stops and starts again under two running instances', () => {
  let redis: TestRedis;
  let pair: TwoInstances;
  let a: TestService;
  let b: TestService;
  let order: Awaited<ReturnType<typeof checkout>>;
  let watchOnA: StatusWatch;
  let watchOnB: StatusWatch;
  before(async () => {
    redis = await startTestRedis();
    pair = await startTwoInstances({ REDIS_URL: redis.url, ...FAST_RECONNECT });
    ({ a, b } = pair);
    order = await checkout(a, await createFilledCart(a));
    watchOnA = watchPaymentStatus(a.url, order.order.id, order.accessToken);
    watchOnB = watchPaymentStatus(b.url, order.order.id, order.accessToken);
    await watchOnA.until((u) => u.length >= 1);
    await watchOnB.until((u) => u.length >= 1);
  });
  after(async () => {
    await watchOnA?.close();
    await watchOnB?.close();
    await pair?.close();
    await redis?.stop();
  });

  // The two tests below are one outage in two halves and run in this order: (b) starts the Redis (a) stopped.
  it('(a) while Redis is down: answers, is not ready, and its own subscribers still hear its changes', async () => {
    await redis.stop();
    // If a request waited for Redis it would not finish while Redis is down: bring Redis back after a long while so
    // that such a request finishes (late) and the assertion below says why, rather than the test timing out.
    let redisDown = true;
    const backstop = setTimeout(() => {
      redisDown = false;
      void redis.start();
    }, 60_000);
    try {
      const work = (async () => {
        const { createCart } = await a.gqlOk(CreateCartDocument, { currency: 'DKK' }, null);
        await a.gqlOk(AddCartLineDocument, { cartId: createCart.id, sku: 'TEA-EARL', quantity: 1 }, null);
        const placed = await checkout(a, createCart.id);
        const callback = await postCallback(a.url, authorize(order));
        return { placed, callback, answeredWhileDown: redisDown };
      })();
      const { placed, callback, answeredWhileDown } = await work;
      assert.equal(answeredWhileDown, true, 'every request was answered before Redis came back');
      assert.equal(placed.order.status, 'PENDING_PAYMENT');
      assert.equal(callback.status, 200, callback.body);
    } finally {
      clearTimeout(backstop);
    }

    const ready = await readinessBecomes(a, 503);
    assert.equal(ready.status, 503, JSON.stringify(ready.checks));
    assert.equal(ready.checks.redis.ok, false);
    assert.match(ready.checks.redis.error ?? '', /redis/i, 'the check says why');
    assert.equal(ready.checks.database.ok, true, 'the database is fine');

    const updates = await watchOnA.until((u) => u.some((x) => x.orderStatus === 'READY'));
    assert.equal(updates.at(-1)!.paymentStatus, 'AUTHORIZED', 'a subscriber on the same instance heard the change');
    assert.equal(redis.running, false, '...while Redis was still down');
  });

  it('(b) once Redis is back: ready again by itself, and the other instance catches up without a further change', async () => {
    const missed = watchOnA.updates.at(-1)!;
    await redis.start(); // same port

    for (const svc of [a, b]) {
      const ready = await readinessBecomes(svc, 200);
      assert.equal(ready.status, 200, JSON.stringify(ready.checks));
      assert.equal(ready.checks.redis.ok, true);
    }
    // No change is made to the order: B's subscriber must be sent the state it missed from the database.
    const onB = await watchOnB.until((u) => u.at(-1)!.sequence >= missed.sequence, RECOVERY_WAIT_MS);
    assert.deepEqual(
      [onB.at(-1)!.sequence, onB.at(-1)!.orderStatus, onB.at(-1)!.paymentStatus],
      [missed.sequence, 'READY', 'AUTHORIZED'],
    );

    // And fan-out works again: a change made on B reaches the subscriber on A.
    const answer = await postCallback(b.url, capture(order));
    assert.equal(answer.status, 200, answer.body);
    const onA = await watchOnA.until((u) => u.some((x) => x.paymentStatus === 'CAPTURED'));
    assert.equal(onA.at(-1)!.orderStatus, 'READY');
    for (const watch of [watchOnA, watchOnB]) {
      const seqs = watch.updates.map((u) => u.sequence);
      assert.deepEqual(seqs, [...new Set(seqs)].sort((x, y) => x - y), 'sequence strictly increases on every subscriber');
    }
  });
});

describe('instances started while Redis is down', () => {
  let redis: TestRedis;
  let pair: TwoInstances;
  before(async () => {
    redis = await startTestRedis({ started: false });
  });
  after(async () => {
    await pair?.close();
    await redis?.stop();
  });

  it('(c) start degraded, say Redis is not ready, and fan out across instances once Redis starts', async () => {
    pair = await startTwoInstances({ REDIS_URL: redis.url, ...FAST_RECONNECT });
    const { a, b } = pair;
    const degraded = await readiness(a);
    assert.equal(degraded.status, 503);
    assert.equal(degraded.checks.redis.ok, false);
    assert.match(degraded.checks.redis.error ?? '', /redis/i);

    await redis.start();
    for (const svc of [a, b]) {
      const ready = await readinessBecomes(svc, 200);
      assert.equal(ready.status, 200, JSON.stringify(ready.checks));
    }

    const co = await checkout(a, await createFilledCart(a));
    const watch = watchPaymentStatus(b.url, co.order.id, co.accessToken);
    try {
      await watch.until((u) => u.length >= 1);
      const answer = await postCallback(a.url, authorize(co));
      assert.equal(answer.status, 200, answer.body);
      const updates = await watch.until((u) => u.some((x) => x.orderStatus === 'READY'));
      assert.equal(updates.at(-1)!.paymentStatus, 'AUTHORIZED', 'a change made on A reached a subscriber on B');
    } finally {
      await watch.close();
    }
  });
});

describe('one instance cut off from Redis while the other still reaches it', () => {
  let redis: TestRedis;
  let proxy: TcpProxy;
  let db: ScratchDatabase;
  const services: TestService[] = [];
  before(async () => {
    redis = await startTestRedis();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    db = await createScratchDatabase(testDatabaseKind(), 'cut');
  });
  after(async () => {
    for (const svc of services) await svc.close();
    await db?.drop();
    await proxy?.close();
    await redis?.stop();
  });

  it('(d) the other instance catches up on what it changed meanwhile, once it is back', async () => {
    // A reaches Redis through the proxy, B directly.
    const a = await startTestService({ databaseUrl: db.config.url, env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, ...FAST_RECONNECT } });
    services.push(a);
    const b = await startTestService({ databaseUrl: db.config.url, env: { REDIS_URL: redis.url, ...FAST_RECONNECT } });
    services.push(b);
    await seedCatalogue(a);
    const co = await checkout(a, await createFilledCart(a));
    const watch = watchPaymentStatus(b.url, co.order.id, co.accessToken);
    try {
      await watch.until((u) => u.length >= 1);
      await proxy.cut();
      assert.equal((await readinessBecomes(a, 503)).checks.redis.ok, false);
      const answer = await postCallback(a.url, authorize(co)); // A cannot publish this
      assert.equal(answer.status, 200, answer.body);
      assert.equal((await readiness(b)).status, 200, 'B never lost Redis, so nothing of its own tells it to re-read');

      await proxy.restore();
      assert.equal((await readinessBecomes(a, 200)).status, 200);
      // No further change: A asks the others to resynchronise once it can publish again.
      const updates = await watch.until((u) => u.some((x) => x.orderStatus === 'READY'), RECOVERY_WAIT_MS);
      assert.equal(updates.at(-1)!.paymentStatus, 'AUTHORIZED');
    } finally {
      await watch.close();
    }
  });
});

describe('the bus logs Redis state changes once each', () => {
  it('one "down" and one "back" for an outage, however many publishes and reconnect attempts fail', async () => {
    const redis = await startTestRedis();
    let bus: LiveStatusBus | undefined;
    let stream: AsyncIterableIterator<PaymentStatusChange> | undefined;
    try {
      const lines: { level: number; msg: string }[] = [];
      const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
      bus = await LiveStatusBus.start({ redisUrl: redis.url, redis: { reconnectMaxDelayMs: 50 }, log });
      const heard: PaymentStatusChange[] = [];
      stream = bus.watch('order-1', async () => change(1));
      const reading = (async () => {
        for await (const c of stream!) heard.push(c);
      })();

      await redis.stop();
      for (let sequence = 2; sequence <= 51; sequence++) bus.publish(change(sequence));
      // Let many reconnect attempts fail (setup pacing, not an assertion).
      await sleep(1_000);
      await redis.start();
      assert.ok(await eventually(() => lines.some((l) => /redis back/.test(l.msg)), RECOVERY_WAIT_MS), JSON.stringify(lines));
      assert.equal(lines.filter((l) => /redis down/.test(l.msg)).length, 1, JSON.stringify(lines));
      assert.equal(lines.filter((l) => /redis back/.test(l.msg)).length, 1, JSON.stringify(lines));
      assert.equal(lines.filter((l) => l.level >= 40).length, 1, `one warning (down): ${JSON.stringify(lines)}`);
      await stream.return?.();
      await reading;
      assert.deepEqual(heard.map((c) => c.sequence), Array.from({ length: 51 }, (_, i) => i + 1), 'the local subscriber heard every change');
    } finally {
      await stream?.return?.();
      await bus?.close();
      await redis.stop();
    }
  });
});

function change(sequence: number): PaymentStatusChange {
  return {
    orderId: 'order-1',
    orderStatus: 'PENDING_PAYMENT' as PaymentStatusChange['orderStatus'],
    paymentStatus: 'INITIATED' as PaymentStatusChange['paymentStatus'],
    sequence,
    changedAt: new Date(0).toISOString(),
    trigger: 'test',
    source: 'STOREFRONT' as PaymentStatusChange['source'],
    flags: [],
  };
}
