/**
 * PostgreSQL only: the same QuickPay callback fired many times at once over separate HTTP and database
 * connections, racing the shopper's redirect cancel. Whoever wins, the result is one authorisation, one audit row
 * per change, one recorded message, one cart, and the order ready exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DatabaseKind } from '../../src/config/config.js';
import { OrderAccess } from '../../src/modules/access/order-access.js';
import { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { RedirectOutcome } from '../../src/modules/order/redirect-outcome.service.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const COPIES = 24;
const ROUNDS = 8;

describe('parallel duplicate callbacks racing a redirect cancel (PostgreSQL)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ databaseKind: DatabaseKind.POSTGRESQL });
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: one transition, one audit row, one cart`, async () => {
      const db = inspect(svc.services);
      const cartsBefore = (await db.carts()).length;
      const cartId = await createFilledCart(svc);
      const co = await checkout(svc, cartId);
      const body = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
      const callbacks = Array.from({ length: COPIES }, () => postCallback(svc.url, body, { freshConnection: true }));
      const cancel = svc.services.redirects.report(co.order.id, OrderAccess.fromAuthorization(co.accessToken, undefined), round % 2 ? RedirectOutcome.CANCEL : RedirectOutcome.ERROR, {});
      const [answers] = await Promise.all([Promise.all(callbacks), cancel]);

      assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], 'every copy is answered with success');
      const trail = await db.transitions(co.order.id);
      assert.equal(trail.filter((t) => t.subject === 'PAYMENT' && t.toStatus === 'AUTHORIZED').length, 1, 'one authorisation transition');
      assert.equal(trail.filter((t) => t.subject === 'ORDER' && t.toStatus === 'READY').length, 1, 'ready once');
      assert.equal(trail.filter((t) => t.subject === 'ORDER' && t.toStatus === 'CANCELLED').length <= 1, true, 'cancelled at most once');
      assert.equal((await db.inbox()).filter((m) => m.paymentReference === co.order.payment.reference).length, 1, 'the message is recorded once');
      assert.equal((await db.carts()).length, cartsBefore + 1, 'one cart');
      assert.equal((await db.order(co.order.id)).status, 'READY', 'the verified authorisation wins (revival when the cancel came first)');
      assert.equal((await db.cart(cartId)).status, 'CHECKED_OUT');
      const effects = (await db.outbox(co.order.id)).filter((o) => o.topic === OutboxTopic.DECREMENT_STOCK);
      assert.equal(effects.length, 1, 'stock is owed once');
    });
  }

  it('used several database connections at once', async () => {
    const rows = await svc.services.orm.em.getConnection().execute<{ n: string }[]>('select count(*) as n from pg_stat_activity where datname = current_database()');
    assert.ok(Number(rows[0].n) >= 2, `only ${rows[0].n} connection(s) were open`);
  });
});
