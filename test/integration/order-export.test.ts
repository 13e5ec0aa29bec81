/**
 * Orders found and exported by when they became ready (issue 6, seed 003): the back office's `orders` filter with
 * cursor pages, and `GET /exports/orders.xml`, streamed. Seed 003's own example: placed 14:05, ready 16:05, so not
 * in a 14:00-16:00 export but in 16:00-18:00. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { convert } from 'xmlbuilder2';
import { Order } from '../../src/modules/order/order.entity.js';
import { OrdersDocument, type OrdersQuery } from '../generated/graphql.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';

const day = '2031-03-04';
const at = (hhmm: string) => new Date(`${day}T${hhmm}:00.000Z`);
const range = (from: string, to: string) => ({ from: at(from).toISOString(), to: at(to).toISOString() });
/** When each test order became ready: two at the same minute, to show the tie broken by id. */
const READY_TIMES = ['16:05', '16:30', '16:30', '17:15', '18:00'];

describe(`orders by ready date, and their export (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  const ready: Checkout[] = [];
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
    // Seed 003's order (placed 14:05, ready 16:05) and four more that became ready later that afternoon.
    const readyTimes = READY_TIMES;
    for (const readyAt of readyTimes) {
      const co = await checkout(svc, await createFilledCart(svc));
      await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      await svc.services.orm.em.fork().nativeUpdate(Order, { id: co.order.id }, { placedAt: at('14:05'), readyAt: at(readyAt) });
      ready.push(co);
    }
  });
  after(() => svc.close());

  const ids = async (filter: Record<string, unknown>) => (await svc.gqlOk(OrdersDocument, { filter, first: 100 })).orders.edges.map((e) => e.node.id);

  it("puts seed 003's order in the 16:00-18:00 window by its ready date, not in 14:00-16:00", async () => {
    assert.ok(!(await ids({ readyBetween: range('14:00', '16:00') })).includes(ready[0].order.id));
    assert.ok((await ids({ readyBetween: range('16:00', '18:00') })).includes(ready[0].order.id));
    assert.ok((await ids({ placedBetween: range('14:00', '16:00') })).includes(ready[0].order.id), 'it was placed (approved) at 14:05');
    // Half-open: an order ready at exactly 18:00 belongs to the next window.
    assert.ok(!(await ids({ readyBetween: range('16:00', '18:00') })).includes(ready[4].order.id));
  });

  it('pages through them in a stable order (ready date, then id) with cursors', async () => {
    const expected = (await ids({ readyBetween: range('16:00', '18:00') }));
    assert.deepEqual(expected.slice(0, 4).sort(), ready.slice(0, 4).map((c) => c.order.id).sort());
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (let page = 0; page < 10; page++) {
      const { orders }: OrdersQuery = await svc.gqlOk(OrdersDocument, { filter: { readyBetween: range('16:00', '18:00') }, first: 3, after });
      seen.push(...orders.edges.map((e) => e.node.id));
      if (!orders.pageInfo.hasNextPage) break;
      after = orders.pageInfo.endCursor;
    }
    assert.deepEqual(seen, expected, 'every order once, in the same order as one big page');
    // By ready date; a tie (16:30 twice) in the database's order of ids, the same on every page.
    const times = seen.map((id) => READY_TIMES[ready.findIndex((c) => c.order.id === id)]);
    assert.deepEqual(times, [...times].sort(), 'by ready date');
  });

  it('filters by status, payment status and flag, and refuses what is not a filter', async () => {
    const readyOnes = await ids({ status: 'READY', readyBetween: range('16:00', '18:01') });
    assert.equal(readyOnes.length, 5);
    assert.equal((await ids({ paymentStatus: 'AUTHORIZED', readyBetween: range('16:00', '18:01') })).length, 5);
    assert.equal((await ids({ flag: 'AMOUNT_MISMATCH', readyBetween: range('16:00', '18:01') })).length, 0);
    const code = async (v: Record<string, unknown>) => (await svc.gql(OrdersDocument, v)).errors?.[0]?.extensions?.code;
    assert.equal(await code({ filter: { readyBetween: range('18:00', '16:00') } }), 'BAD_USER_INPUT', 'from after to');
    assert.equal(await code({ after: 'not-a-cursor' }), 'BAD_USER_INPUT');
    const { orders } = await svc.gqlOk(OrdersDocument, { first: 1 });
    assert.equal(await code({ filter: { readyBetween: range('16:00', '18:00') }, after: orders.pageInfo.endCursor }), 'BAD_USER_INPUT', 'a cursor of another ordering');
    assert.equal((await svc.gql(OrdersDocument, {}, null)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  it('exports the window as XML with <date>, <dateReady>, lines, custom fields and a <payment> segment', async () => {
    const res = await fetch(`${svc.url}/exports/orders.xml?readyFrom=${day}T16:00:00Z&readyTo=${day}T18:00:00Z`, { headers: { authorization: `Bearer ${TEST_KEYS.adminApiKey}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/xml/);
    const doc = convert(await res.text(), { format: 'object' }) as { orders: { order: Record<string, unknown>[] | Record<string, unknown> } };
    const orders = ([] as Record<string, unknown>[]).concat(doc.orders.order);
    assert.deepEqual(orders.map((o) => o['@id']), await ids({ readyBetween: range('16:00', '18:00') }));
    const seedOrder = orders.find((o) => o['@id'] === ready[0].order.id) as Record<string, any>;
    assert.equal(seedOrder.date, at('14:05').toISOString());
    assert.equal(seedOrder.dateReady, at('16:05').toISOString());
    const lines = [].concat(seedOrder.lines.line);
    assert.deepEqual(lines.map((l: Record<string, string>) => [l.sku, l.quantity]), ready[0].order.lines.map((l) => [l.sku, String(l.quantity)]));
    const fields = [].concat(seedOrder.customFields.field).map((f: Record<string, string>) => [f['@key'], f['#']]);
    assert.deepEqual(fields, ready[0].order.customFields.map((f) => [f.key, f.value]));
    assert.equal(seedOrder.payment['@gateway'], 'QUICKPAY');
    assert.equal(seedOrder.payment.amount, String(ready[0].order.total));
    assert.equal(seedOrder.payment.fee, '0');
    assert.equal(seedOrder.payment.testCard, 'false');
  });

  it('refuses an export without the back-office key or with a window that is not one', async () => {
    const url = (q: string) => `${svc.url}/exports/orders.xml${q}`;
    const admin = { authorization: `Bearer ${TEST_KEYS.adminApiKey}` };
    assert.equal((await fetch(url(`?readyFrom=${day}T16:00:00Z&readyTo=${day}T18:00:00Z`))).status, 401);
    assert.equal((await fetch(url(`?readyFrom=${day}T16:00:00Z&readyTo=${day}T18:00:00Z`), { headers: { authorization: 'Bearer nope' } })).status, 403);
    for (const q of ['', `?readyFrom=${day}T16:00:00Z`, `?readyFrom=yesterday&readyTo=${day}T18:00:00Z`, `?readyFrom=${day}T18:00:00Z&readyTo=${day}T16:00:00Z`, '?readyFrom=2020-01-01T00:00:00Z&readyTo=2031-01-01T00:00:00Z']) {
      const res = await fetch(url(q), { headers: admin });
      assert.equal(res.status, 400, q);
      assert.equal(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'BAD_USER_INPUT');
    }
  });
});

describe(`a large export (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  it('streams every order of a window longer than one page read from the database', async () => {
    const svc = await startTestService();
    try {
      await seedCatalogue(svc);
      const many = 230;
      const em = svc.services.orm.em.fork();
      const co = await checkout(svc, await createFilledCart(svc));
      await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      const template = await em.findOneOrFail(Order, { id: co.order.id });
      // Copies of one ready order, with their own ids and ready times (the export reads orders and payments only).
      const conn = em.getConnection();
      const [payment] = await conn.execute<Record<string, unknown>[]>('select * from payments where order_id = ?', [co.order.id]);
      for (let i = 0; i < many - 1; i++) {
        const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        await conn.execute('insert into orders (id, cart_id, cart_revision, idempotency_key, status, access_token, currency, lines, custom_fields, coupon_codes, gift_cards, subtotal, discount_total, gift_card_total, total, flags, status_sequence, placed_at, ready_at, cancelled_at) select ? as id, cart_id, cart_revision, ? as idempotency_key, status, access_token, currency, lines, custom_fields, coupon_codes, gift_cards, subtotal, discount_total, gift_card_total, total, flags, status_sequence, placed_at, ready_at, cancelled_at from orders where id = ?', [id, `copy-${i}`, template.id]);
        await conn.execute("insert into payments (id, order_id, gateway, reference, status, amount, currency, created_at, updated_at) values (?, ?, 'QUICKPAY', ?, 'AUTHORIZED', ?, 'DKK', ?, ?)", [`10000000-0000-4000-8000-${String(i).padStart(12, '0')}`, id, `RCOPY${i}`, payment.amount, payment.created_at, payment.updated_at]);
      }
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const res = await fetch(`${svc.url}/exports/orders.xml?readyFrom=${from}&readyTo=${to}`, { headers: { authorization: `Bearer ${TEST_KEYS.adminApiKey}` } });
      const xml = await res.text();
      assert.equal(res.status, 200);
      assert.equal(xml.match(/<order id=/g)?.length, many);
      assert.match(xml.trim(), /<\/orders>$/);
    } finally {
      await svc.close();
    }
  });
});
