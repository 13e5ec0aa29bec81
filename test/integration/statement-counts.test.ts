/**
 * How many SQL statements (BEGIN and COMMIT included) one QuickPay callback costs the database, counted at the
 * driver (src/db/statement-counter.ts). Exact counts, not bounds: a change that adds a round trip to the callback
 * path fails here and has to say so in review, and one that saves some lowers the number here. Not timed.
 * Issue 7 aims at 6 for an applied callback and 2 for a duplicate. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DatabaseKind } from '../../src/config/config.js';
import { statementCounter } from '../../src/db/statement-counter.js';
import { OrderStatus } from '../../src/modules/order/order.machine.js';
import { OrderDocument } from '../generated/graphql.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * Statements per callback today. Lower them as the callback path gets cheaper; never raise them silently. (SQLite
 * claims a lineage with one `update ... returning`, PostgreSQL with one `select ... for update`: the same count.)
 */
const EXPECTED: Record<DatabaseKind, Record<'appliedAuthorisation' | 'duplicate' | 'appliedCapture', number>> = {
  [DatabaseKind.SQLITE]: { appliedAuthorisation: 12, duplicate: 2, appliedCapture: 11 },
  [DatabaseKind.POSTGRESQL]: { appliedAuthorisation: 12, duplicate: 2, appliedCapture: 11 },
};

describe(`statements per callback (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  /** What the database ran while `work` did (nothing else runs in this service meanwhile: no workers). */
  const transcripts: Record<string, string[]> = {};
  const statementsOf = async (what: string, work: () => Promise<unknown>) => {
    const counter = statementCounter(svc.services.orm);
    counter.transcript = transcripts[what] = [];
    try {
      await work();
    } finally {
      counter.transcript = null;
    }
    return transcripts[what].length;
  };
  const send = async (body: string) => assert.equal((await postCallback(svc.url, body)).status, 200);

  it('counts the statements of an applied authorisation, a duplicate and a capture', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const reference = co.order.payment.reference;
    const authorised = paymentResource(reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    const captured = paymentResource(reference, [{ id: 1, type: 'authorize', amount: co.order.total }, { id: 2, type: 'capture', amount: co.order.total }]);
    const counts = {
      appliedAuthorisation: await statementsOf('appliedAuthorisation', () => send(authorised)),
      duplicate: await statementsOf('duplicate', () => send(authorised)),
      appliedCapture: await statementsOf('appliedCapture', () => send(captured)),
    };
    assert.equal((await svc.gqlOk(OrderDocument, { id: co.order.id })).order?.status, OrderStatus.READY, 'the callbacks did their work');
    const shown = Object.entries(transcripts).map(([what, sql]) => `${what}:\n${sql.map((s) => `  ${s.slice(0, 160)}`).join('\n')}`).join('\n');
    assert.deepEqual(counts, EXPECTED[svc.databaseKind], `the statements run:\n${shown}`);
  });
});
