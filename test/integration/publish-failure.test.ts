/**
 * A change is committed before it is published; a publish that fails must neither undo nor hold up the answer,
 * and must not vanish without a trace: it is logged, with the order it was about.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { CheckoutService } from '../../src/modules/order/checkout.service.js';
import { TransitionService } from '../../src/modules/transition/transition.service.js';
import { inspect } from '../support/db-inspection.js';
import { createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe('a failed publish', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('is logged with its order, and the committed change stands', async () => {
    const lines: { level: number; msg: string; orderId?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const failing = { publish: () => Promise.reject(new Error('the bus is away')) };
    const { config, orm, gateways, paymentMethods, writer } = svc.services;
    const transitions = new TransitionService(orm, config.database.kind, failing, log, 1000);
    const checkout = new CheckoutService(config, transitions, gateways, paymentMethods, writer, undefined);

    const { order } = await checkout.checkout({ cartId: await createFilledCart(svc), paymentMethod: 'card', idempotencyKey: 'publish-fails-1' });
    assert.equal((await inspect(svc.services).order(order.id)).status, 'PENDING_PAYMENT', 'committed');
    for (let i = 0; i < 100 && lines.length === 0; i++) await sleep(10);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0].msg, 'could not publish a status change');
    assert.equal(lines[0].orderId, order.id);
  });
});
