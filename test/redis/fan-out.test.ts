/**
 * Two instances of the service on one database, both with REDIS_URL: a subscriber connected to one instance sees
 * a change made through the other. Needs Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart } from '../support/shop-fixture.js';
import { watchPaymentStatus } from '../support/subscriptions.js';
import type { TestService } from '../support/test-service.js';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.js';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

describe('cross-instance fan-out through Redis', () => {
  let a: TestService;
  let b: TestService;
  let pair: TwoInstances;
  before(async () => {
    pair = await startTwoInstances({ REDIS_URL });
    ({ a, b } = pair);
  });
  after(() => pair?.close());

  it('both instances use Redis', async () => {
    for (const svc of [a, b]) assert.equal(((await (await fetch(`${svc.url}/health`)).json()) as { checks: { redis?: { ok: boolean } } }).checks.redis?.ok, true);
  });

  it('delivers a change made on instance A to a subscriber on instance B', async () => {
    const co = await checkout(a, await createFilledCart(a));
    const watch = watchPaymentStatus(b.url, co.order.id, co.accessToken);
    try {
      await watch.until((u) => u.length >= 1);
      const res = await postCallback(a.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      assert.equal(res.status, 200);
      const updates = await watch.until((u) => u.some((x) => x.orderStatus === 'READY'));
      assert.equal(updates.at(-1)!.paymentStatus, 'AUTHORIZED');
    } finally {
      await watch.close();
    }
  });
});
