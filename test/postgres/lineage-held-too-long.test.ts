/**
 * PostgreSQL only: a callback whose lineage another connection holds past the busy timeout is answered "resend"
 * (503) and is still on record (invariant 7): RECEIVED, not applied. The gateway's resend, once the lineage is
 * free, is applied and brings the same record up to date.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DatabaseKind } from '../../src/config/config.js';
import { InboxStatus } from '../../src/modules/inbox/inbox-message.entity.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe('a callback whose lineage is held past the busy timeout (PostgreSQL)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ databaseKind: DatabaseKind.POSTGRESQL, env: { DATABASE_BUSY_TIMEOUT_MS: '300' } });
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('is answered "resend" and recorded RECEIVED; the resend is applied to the same record', async () => {
    const cartId = await createFilledCart(svc);
    const co = await checkout(svc, cartId);
    const body = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);

    const holder = new pg.Client({ connectionString: svc.services.config.database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from carts where id = $1 for update', [cartId]);
      const held = await postCallback(svc.url, body);
      assert.equal(held.status, 503, `answered ${held.status} ${held.body}`);
      const [record] = (await inspect(svc.services).inbox()).filter((m) => m.paymentReference === co.order.payment.reference);
      assert.equal(record?.status, InboxStatus.RECEIVED, 'on record before the answer');
      assert.equal((await inspect(svc.services).order(co.order.id)).status, 'PENDING_PAYMENT', 'nothing applied');
    } finally {
      await holder.query('rollback');
      await holder.end();
    }

    const resent = await postCallback(svc.url, body);
    assert.equal(resent.status, 200, `answered ${resent.status} ${resent.body}`);
    const records = (await inspect(svc.services).inbox()).filter((m) => m.paymentReference === co.order.payment.reference);
    assert.deepEqual(
      records.map((m) => [m.status, m.attempts]),
      [[InboxStatus.PROCESSED, 2]],
      'one record, brought up to date',
    );
    assert.equal((await inspect(svc.services).order(co.order.id)).status, 'READY');
    const trail = await inspect(svc.services).transitions(co.order.id);
    assert.ok(
      trail.some((t) => t.toStatus === 'READY' && t.inboxMessageId === records[0].id),
      'the audit row names the record',
    );
  });
});
