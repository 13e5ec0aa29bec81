/**
 * PostgreSQL only: statements go to the server with their values bound, each distinct text a named prepared
 * statement (src/db/postgresql-driver.ts), and a prepared `select *` whose table changed under it (another instance
 * migrated) fails once, then runs again, prepared afresh; a lineage transaction that meets one is run again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DatabaseKind } from '../../src/config/config.js';
import { openDatabase, type Orm } from '../../src/db/orm.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { Product } from '../../src/modules/catalogue/product.entity.js';
import { OrderStatus } from '../../src/modules/order/order.machine.js';
import { AddCartLineDocument, OrderDocument } from '../generated/graphql.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe('prepared statements on PostgreSQL', () => {
  let scratch: ScratchDatabase;
  let orm: Orm;
  before(async () => {
    scratch = await createScratchDatabase(DatabaseKind.POSTGRESQL, 'prepared');
    // One connection, so the statements this test runs and the one it looks at them from are the same session.
    orm = await openDatabase(scratch.config, { poolMax: 1 });
  });
  after(async () => {
    await orm.close();
    await scratch.drop();
  });

  const find = () => orm.em.fork().find(Product, { sku: { $in: ['TEA-EARL', 'TEA-MINT'] }, stockOnHand: { $gte: 0 } });
  const prepared = async () =>
    (await orm.em.getConnection().execute<{ statement: string }[]>('select statement from pg_prepared_statements')).map((r) => r.statement);

  it('binds the values and prepares the statement once for its connection', async () => {
    const em = orm.em.fork();
    em.create(Product, { sku: "TEA-O'MINT", name: 'Quote; -- not SQL', unitPrice: 100, currency: 'DKK', stockOnHand: 3 });
    await em.flush();
    await find();
    await find();
    const statements = (await prepared()).filter((s) => s.includes('from "products"'));
    assert.equal(statements.length, 1, `one prepared statement for the find, not one per run: ${JSON.stringify(statements)}`);
    assert.match(statements[0], /"sku" in \(\$1, \$2\) and "p0"\."stock_on_hand" >= \$3/, 'values are placeholders, not text');
    const read = await orm.em.fork().findOneOrFail(Product, { sku: "TEA-O'MINT" });
    assert.equal(read.name, 'Quote; -- not SQL', 'a value with quotes round-trips as a value');
  });

  it('runs a prepared select again, prepared afresh, after its table gained a column', async () => {
    await find();
    await orm.em.getConnection().execute('alter table products add column added_by_a_migration integer');
    await assert.rejects(find(), /cached plan must not change result type/, 'the connection that prepared it fails once');
    assert.deepEqual(await find(), [], 'then the same find runs again');
  });
});

describe('a lineage transaction after a migration under a running instance (PostgreSQL)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ databaseKind: DatabaseKind.POSTGRESQL });
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('runs the work again when the claim meets a stale prepared statement, so no edit or callback is lost', async () => {
    const authorise = (o: Awaited<ReturnType<typeof checkout>>) =>
      postCallback(svc.url, paymentResource(o.order.payment.reference, [{ id: 1, type: 'authorize', amount: o.order.total }]));
    const cartId = await createFilledCart(svc); // the cart claim (`select * from carts … for update`) is prepared now
    const first = await checkout(svc, await createFilledCart(svc));
    const placed = await checkout(svc, await createFilledCart(svc));
    assert.equal((await authorise(first)).status, 200); // and the claim by a payment's reference
    await svc.services.orm.em.getConnection().execute('alter table carts add column added_by_a_migration integer');
    const { addCartLine } = await svc.gqlOk(AddCartLineDocument, { cartId, sku: 'TEA-EARL', quantity: 1 }, null);
    assert.ok(addCartLine.lines.some((l) => l.sku === 'TEA-EARL'), 'the edit went through');
    assert.equal((await authorise(placed)).status, 200);
    assert.equal((await svc.gqlOk(OrderDocument, { id: placed.order.id })).order?.status, OrderStatus.READY, 'the callback was applied, not failed');
  });
});
