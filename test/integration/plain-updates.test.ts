/**
 * Updates by primary key are written without MikroORM's QueryBuilder (src/db/plain-updates.ts), on SQLite and
 * PostgreSQL: a flush of changed entities builds no query, and every kind of column (JSON with quotes, dates,
 * money as bigint, nulls) reads back as written. Other updates still take MikroORM's own path, and work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Em } from '../../src/db/orm.js';
import { Order, OrderFlag } from '../../src/modules/order/order.entity.js';
import { Payment } from '../../src/modules/payment/payment.entity.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe(`updates by primary key (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  /** Runs `work` on `em` and counts the QueryBuilders its driver builds meanwhile. */
  const queryBuildersOf = async (em: Em, work: () => Promise<unknown>): Promise<number> => {
    const driver = em.getDriver();
    const build = driver.createQueryBuilder.bind(driver);
    let built = 0;
    driver.createQueryBuilder = ((...args: Parameters<typeof build>) => {
      built++;
      return build(...args);
    }) as typeof build;
    try {
      await work();
    } finally {
      driver.createQueryBuilder = build;
    }
    return built;
  };

  it('writes a flush of a changed order and payment without a QueryBuilder, and every column reads back', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const readyAt = new Date('2026-11-22T10:11:12.345Z');
    const em = svc.services.orm.em.fork();
    const order = await em.findOneOrFail(Order, { id: co.order.id });
    const payment = await em.findOneOrFail(Payment, { orderId: co.order.id });
    order.customFields = { note: `it's "quoted" \\ and ünïcode`, gift: 'yes' };
    order.flags = [OrderFlag.AMOUNT_MISMATCH, OrderFlag.PAYMENT_VOIDED];
    order.readyAt = readyAt;
    order.subtotal = 9_007_199_254_740; // money beyond 32 bits
    payment.gatewayPaymentId = null;
    payment.fee = 125;
    payment.testMode = true;
    const updatedBefore = payment.updatedAt.getTime();
    await sleep(5);
    assert.equal(await queryBuildersOf(em, () => em.flush()), 0, 'the flush built no QueryBuilder');

    const fresh = svc.services.orm.em.fork();
    const stored = await fresh.findOneOrFail(Order, { id: co.order.id });
    const storedPayment = await fresh.findOneOrFail(Payment, { orderId: co.order.id });
    assert.deepEqual(stored.customFields, { note: `it's "quoted" \\ and ünïcode`, gift: 'yes' });
    assert.deepEqual(stored.flags, [OrderFlag.AMOUNT_MISMATCH, OrderFlag.PAYMENT_VOIDED]);
    assert.equal(stored.readyAt?.toISOString(), readyAt.toISOString());
    assert.equal(stored.subtotal, 9_007_199_254_740);
    assert.equal(storedPayment.gatewayPaymentId, null);
    assert.equal(storedPayment.fee, 125);
    assert.equal(storedPayment.testMode, true);
    assert.ok(storedPayment.updatedAt.getTime() > updatedBefore, "the payment's onUpdate (updatedAt) still ran");
  });

  it('leaves other updates to MikroORM, which still writes them', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const em = svc.services.orm.em.fork();
    // By another column than the primary key: MikroORM's own path.
    const built = await queryBuildersOf(em, () => em.nativeUpdate(Payment, { orderId: co.order.id }, { fee: 7 }));
    assert.ok(built >= 1, 'MikroORM built its query');
    assert.equal((await svc.services.orm.em.fork().findOneOrFail(Payment, { orderId: co.order.id })).fee, 7);
  });
});
