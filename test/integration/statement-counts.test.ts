/**
 * How many SQL statements (BEGIN and COMMIT included) one QuickPay callback, and each step of a checkout flow,
 * cost the database, counted at the driver (src/db/statement-counter.ts). Exact counts, not bounds: a change that
 * adds a round trip to these paths fails here and has to say so in review, and one that saves some lowers the number
 * here. Not timed. Issue 7 aims at 6 for an applied callback and 2 for a duplicate. On SQLite and PostgreSQL: on
 * PostgreSQL a transaction's writes go out as one statement (src/db/write-batch.ts); on SQLite, where a statement
 * is a function call and not a round trip, one after another.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DatabaseKind } from '../../src/config/config.js';
import { statementCounter } from '../../src/db/statement-counter.js';
import { OrderStatus } from '../../src/modules/order/order.machine.js';
import {
  AddCartLineDocument,
  CheckoutDocument,
  CreateCartDocument,
  OrderDocument,
  ReportRedirectOutcomeDocument,
  SetCartCustomFieldDocument,
} from '../generated/graphql.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * Statements per callback today. Lower them as the callback path gets cheaper; never raise them silently. (SQLite
 * claims a lineage with one `update ... returning`, PostgreSQL with one `select ... for update`, each finding the
 * lineage by the payment's reference in the same statement; the order and its payment are then read in one.)
 * A capture's callback also reads the payment's operations ledger and adds the gateway's capture to it (issue 8:
 * the amounts are the ledger's sums): one read, and on PostgreSQL the insert joins the batch. An authorisation's
 * callback, which reports no operation of the ledger, does not read it.
 */
const EXPECTED: Record<DatabaseKind, Record<'appliedAuthorisation' | 'duplicate' | 'appliedCapture', number>> = {
  [DatabaseKind.SQLITE]: { appliedAuthorisation: 9, duplicate: 1, appliedCapture: 10 },
  [DatabaseKind.POSTGRESQL]: { appliedAuthorisation: 6, duplicate: 1, appliedCapture: 7 },
};

/**
 * Statements per step of a one-line checkout flow today (issue 7 measured 46-51 in all before its work began).
 * Checkout reads its payment method in its transaction (issue 8; on PostgreSQL under a share lock, so a change of the
 * method's gateway waits for the order and then refuses).
 */
const FLOW_EXPECTED: Record<DatabaseKind, Record<string, number>> = {
  [DatabaseKind.SQLITE]: { createCart: 3, addCartLine: 5, setCartCustomField: 4, checkout: 11, redirect: 6, callback: 9, total: 38 },
  [DatabaseKind.POSTGRESQL]: { createCart: 3, addCartLine: 5, setCartCustomField: 4, checkout: 9, redirect: 5, callback: 6, total: 32 },
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

  it('counts the statements of each step of a one-line checkout flow, as a storefront runs it', async () => {
    const steps: Record<string, number> = {};
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      let result!: T;
      steps[name] = await statementsOf(name, async () => (result = await work()));
      return result;
    };
    const { createCart } = await step('createCart', () => svc.gqlOk(CreateCartDocument, { currency: 'DKK' }, null));
    await step('addCartLine', () => svc.gqlOk(AddCartLineDocument, { cartId: createCart.id, sku: 'TEA-EARL', quantity: 1 }, null));
    await step('setCartCustomField', () => svc.gqlOk(SetCartCustomFieldDocument, { cartId: createCart.id, key: 'giftNote', value: 'For Ada' }, null));
    const { checkout } = await step('checkout', () => svc.gqlOk(CheckoutDocument, { input: { cartId: createCart.id, idempotencyKey: `flow-${createCart.id}`, paymentMethod: 'card' } }, null));
    await step('redirect', () => svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: checkout.order.id, outcome: 'SUCCESS' }, checkout.accessToken));
    await step('callback', () => send(paymentResource(checkout.order.payment.reference, [{ id: 1, type: 'authorize', amount: checkout.order.total }])));
    assert.equal((await svc.gqlOk(OrderDocument, { id: checkout.order.id })).order?.status, OrderStatus.READY);
    const total = Object.values(steps).reduce((a, b) => a + b, 0);
    const shown = Object.entries(steps).map(([name, n]) => `${name}: ${n}\n${transcripts[name].map((s) => `  ${s.slice(0, 160)}`).join('\n')}`).join('\n');
    assert.deepEqual({ ...steps, total }, FLOW_EXPECTED[svc.databaseKind], `the statements run:\n${shown}`);
  });
});
