/**
 * Two service instances on one database (two processes' worth of connections; on SQLite two connections to one
 * file, where the lineage claim is a version check with retry): concurrent edits of one cart are never lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { CartDocument } from '../generated/graphql.js';
import { seedCatalogue } from '../support/shop-fixture.js';
import { testDatabaseKind } from '../support/test-database.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe(`two instances on one database (${testDatabaseKind()})`, () => {
  let db: ScratchDatabase;
  let a: TestService;
  let b: TestService;
  before(async () => {
    db = await createScratchDatabase(testDatabaseKind(), 'two');
    a = await startTestService({ databaseUrl: db.config.url });
    b = await startTestService({ databaseUrl: db.config.url });
    await seedCatalogue(a);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('counts every one of many concurrent additions to one cart', async () => {
    const cart = await a.services.carts.create('DKK');
    const ADDS = 40;
    await Promise.all(Array.from({ length: ADDS }, (_, i) => (i % 2 ? a : b).services.carts.addLine(cart.id, 'TEA-EARL', 1)));
    const { cart: after } = await b.gqlOk(CartDocument, { id: cart.id }, null);
    assert.deepEqual(after.lines, [{ sku: 'TEA-EARL', quantity: ADDS }]);
    assert.equal(after.revision, ADDS);
  });
});
