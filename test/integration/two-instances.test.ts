/**
 * Two service instances in one process on one database (on SQLite, two connections to one file): concurrent
 * edits of one cart are never lost. Separate processes are tested in many-processes.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CartDocument } from '../generated/graphql.js';
import { testDatabaseKind } from '../support/test-database.js';
import type { TestService } from '../support/test-service.js';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.js';

describe(`two instances on one database (${testDatabaseKind()})`, () => {
  let a: TestService;
  let b: TestService;
  let pair: TwoInstances;
  before(async () => {
    pair = await startTwoInstances();
    ({ a, b } = pair);
  });
  after(() => pair?.close());

  it('counts every one of many concurrent additions to one cart', async () => {
    const cart = await a.services.carts.create('DKK');
    const ADDS = 40;
    await Promise.all(Array.from({ length: ADDS }, (_, i) => (i % 2 ? a : b).services.carts.addLine(cart.id, 'TEA-EARL', 1)));
    const { cart: after } = await b.gqlOk(CartDocument, { id: cart.id }, null);
    assert.deepEqual(after.lines, [{ sku: 'TEA-EARL', quantity: ADDS }]);
    assert.equal(after.revision, ADDS);
  });
});
