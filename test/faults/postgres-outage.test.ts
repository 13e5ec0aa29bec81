/**
 * PostgreSQL going away and coming back, seen from the service: its connections run through a TCP proxy the test
 * cuts (every connection dropped, new ones refused, as when the server stops) and restores, so the shared server
 * and its other users are never touched. While it lasts, every entry point answers "unavailable, retry" (GraphQL
 * SERVICE_UNAVAILABLE, callbacks 503, readiness 503); afterwards the service works again without a restart and
 * nothing it acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseKind } from '../../src/config/config.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { AddCartLineDocument, CheckoutDocument, CreateCartDocument, ProductsDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe('PostgreSQL stopped and started', () => {
  let scratch: ScratchDatabase;
  let proxy: TcpProxy;
  let svc: TestService;
  before(async () => {
    scratch = await createScratchDatabase(DatabaseKind.POSTGRESQL, 'outage');
    const direct = new URL(scratch.config.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(scratch.config.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    svc = await startTestService({ databaseKind: DatabaseKind.POSTGRESQL, databaseUrl: viaProxy.toString(), env: { DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
    await seedCatalogue(svc);
  });
  after(async () => {
    await svc?.close();
    await proxy?.close();
    await scratch?.drop();
  });

  it('answers SERVICE_UNAVAILABLE and 503 everywhere while it is down, and recovers by itself', async () => {
    const db = inspect(svc.services);
    const placed = await checkout(svc, await createFilledCart(svc));
    const openCart = await createFilledCart(svc);

    await proxy.cut();
    const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;
    assert.equal(code(await svc.gql(CreateCartDocument, { currency: 'DKK' }, null)), 'SERVICE_UNAVAILABLE', 'createCart');
    assert.equal(code(await svc.gql(AddCartLineDocument, { cartId: openCart, sku: 'TEA-EARL', quantity: 1 }, null)), 'SERVICE_UNAVAILABLE', 'addCartLine');
    assert.equal(code(await svc.gql(CheckoutDocument, { input: { cartId: openCart, idempotencyKey: `key-${openCart}`, paymentMethod: 'card' } }, null)), 'SERVICE_UNAVAILABLE', 'checkout');
    assert.equal(code(await svc.gql(ProductsDocument, {})), 'SERVICE_UNAVAILABLE', 'a query');
    const body = paymentResource(placed.order.payment.reference, [{ id: 1, type: 'authorize', amount: placed.order.total }]);
    assert.equal((await postCallback(svc.url, body)).status, 503, 'a callback: resend later');
    assert.equal((await fetch(`${svc.url}/health/ready`)).status, 503);
    assert.equal((await fetch(`${svc.url}/health/live`)).status, 200);

    await proxy.restore();
    for (let i = 0; i < 100 && (await fetch(`${svc.url}/health/ready`)).status !== 200; i++) await sleep(100);
    assert.equal((await fetch(`${svc.url}/health/ready`)).status, 200, 'ready again without a restart');
    const cart = await svc.gql(AddCartLineDocument, { cartId: openCart, sku: 'TEA-EARL', quantity: 1 }, null);
    assert.equal(cart.errors, undefined, JSON.stringify(cart.errors));
    assert.equal((await postCallback(svc.url, body)).status, 200, "the gateway's resend is applied");
    assert.equal((await db.order(placed.order.id)).status, 'READY');
    assert.deepEqual((await db.cart(openCart)).lines.find((l) => l.sku === 'TEA-EARL')?.quantity, 3, 'the edits acknowledged before and after');
    // No request that failed during the outage still holds a pooled connection: a held one is a pool slot lost for
    // good, and once they are all lost the service never recovers.
    const pool = (await svc.services.orm.em.getConnection().getNativeClient()) as { totalCount: number; idleCount: number };
    assert.equal(pool.totalCount - pool.idleCount, 0, 'no pooled connection is left checked out');
  });
});
