/**
 * SQLite faults, on the service's own scratch database: files that cannot be written (a commit fails with an I/O
 * error), and another process holding the write lock. While each lasts the service answers honestly (503,
 * SERVICE_UNAVAILABLE, readiness false) and stays responsive; once it is gone, the service works again without a
 * restart, and nothing it acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateCartDocument, ProductsDocument } from '../generated/graphql.js';
import { holdSqliteWriteLock, makeUnwritable } from '../support/database-faults.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const readiness = async (svc: TestService) => (await fetch(`${svc.url}/health/ready`)).status;
const authorise = (reference: string, total: number) => paymentResource(reference, [{ id: 1, type: 'authorize', amount: total }]);

/** Polls until `check` holds (the service recovers by itself; how soon is not the point). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`never: ${what}`);
}

describe('SQLite: database files that cannot be written', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { DATABASE_BUSY_TIMEOUT_MS: '300' } });
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('answers 503 / SERVICE_UNAVAILABLE while a commit cannot be written, and recovers by itself once it can', async () => {
    const db = inspect(svc.services);
    const acknowledged = await checkout(svc, await createFilledCart(svc));
    const { createCart: before } = await svc.gqlOk(CreateCartDocument, { currency: 'DKK' }, null);

    const writable = makeUnwritable(svc.services.config.database.url);
    try {
      const body = authorise(acknowledged.order.payment.reference, acknowledged.order.total);
      assert.equal((await postCallback(svc.url, body)).status, 503, 'a resend will help: the gateway is asked for one');
      const cart = await svc.gql(CreateCartDocument, { currency: 'DKK' }, null);
      assert.equal(cart.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
      assert.equal(await readiness(svc), 503, 'not ready while the database cannot be written');
      assert.equal((await fetch(`${svc.url}/health/live`)).status, 200, 'but alive');
      const read = await svc.gql(ProductsDocument, {});
      assert.equal(read.errors, undefined, 'reads still work');
    } finally {
      writable();
    }

    // No restart: the same process, the same connection.
    await eventually(async () => (await readiness(svc)) === 200, 'ready again');
    const again = await svc.gql(CreateCartDocument, { currency: 'DKK' }, null);
    assert.equal(again.errors, undefined, `writes work again: ${JSON.stringify(again.errors)}`);
    const body = authorise(acknowledged.order.payment.reference, acknowledged.order.total);
    assert.equal((await postCallback(svc.url, body)).status, 200, "the gateway's resend is applied");
    assert.equal((await db.order(acknowledged.order.id)).status, 'READY');
    // What was acknowledged before the fault is all there.
    assert.ok((await db.carts()).some((c) => c.id === before.id));
  });
});

describe('SQLite: another process holds the write lock', () => {
  let patient: TestService;
  let impatient: TestService;
  before(async () => {
    patient = await startTestService({ env: { DATABASE_BUSY_TIMEOUT_MS: '20000' } });
    impatient = await startTestService({ env: { DATABASE_BUSY_TIMEOUT_MS: '300' } });
    for (const svc of [patient, impatient]) await seedCatalogue(svc);
  });
  after(async () => {
    await patient?.close();
    await impatient?.close();
  });

  it('waits for the lock without freezing the process: other requests are answered meanwhile', async () => {
    const co = await checkout(patient, await createFilledCart(patient));
    const lock = await holdSqliteWriteLock(patient.services.config.database.url);
    let settled = false;
    const callback = postCallback(patient.url, authorise(co.order.payment.reference, co.order.total)).finally(() => (settled = true));
    try {
      await sleep(50); // the callback is in, waiting for the lock
      assert.equal((await fetch(`${patient.url}/health/live`)).status, 200);
      const read = await patient.gql(ProductsDocument, {});
      assert.equal(read.errors, undefined);
      assert.equal(settled, false, 'the callback is still waiting for the lock while the others were answered');
    } finally {
      await lock.release();
    }
    assert.equal((await callback).status, 200, 'and is applied once the lock is free');
    assert.equal((await inspect(patient.services).order(co.order.id)).status, 'READY');
  });

  it('answers 503 / SERVICE_UNAVAILABLE when the lock is held past the busy timeout, and is ready again after', async () => {
    const co = await checkout(impatient, await createFilledCart(impatient));
    const lock = await holdSqliteWriteLock(impatient.services.config.database.url);
    try {
      assert.equal((await postCallback(impatient.url, authorise(co.order.payment.reference, co.order.total))).status, 503);
      const cart = await impatient.gql(CreateCartDocument, { currency: 'DKK' }, null);
      assert.equal(cart.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
      assert.equal(await readiness(impatient), 503);
    } finally {
      await lock.release();
    }
    assert.equal(await readiness(impatient), 200);
    assert.equal((await postCallback(impatient.url, authorise(co.order.payment.reference, co.order.total))).status, 200);
    assert.equal((await inspect(impatient.services).order(co.order.id)).status, 'READY');
  });
});
