import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InboxStatus } from '../../src/modules/inbox/inbox-message.entity.js';
import { takeDatabaseDown } from '../support/database-outage.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe(`QuickPay callback bridge (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    svc = await startTestService({ env: { CALLBACK_BODY_LIMIT: '8192' } });
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  /** A fresh pending order, and a snapshot of everything a rejected message must not change. */
  async function pendingOrder(): Promise<{ co: Checkout; untouched: () => Promise<void> }> {
    const co = await checkout(svc, await createFilledCart(svc));
    const before = { transitions: (await db.transitions(co.order.id)).length, outbox: (await db.outbox(co.order.id)).length };
    return {
      co,
      async untouched() {
        assert.equal((await db.order(co.order.id)).status, 'PENDING_PAYMENT');
        assert.equal((await db.payment(co.order.id)).status, 'INITIATED');
        assert.equal((await db.transitions(co.order.id)).length, before.transitions, 'no transition written');
        assert.equal((await db.outbox(co.order.id)).length, before.outbox, 'no side effect written');
      },
    };
  }

  const lastInbox = async () => (await db.inbox()).at(-1)!;

  it('refuses a wrong checksum with 401, records it as rejected and changes nothing', async () => {
    const { co, untouched } = await pendingOrder();
    const body = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    const res = await postCallback(svc.url, body, { privateKey: 'not-the-private-key' });
    assert.equal(res.status, 401);
    const rec = await lastInbox();
    assert.equal(rec.status, InboxStatus.REJECTED);
    assert.equal(rec.dedupKey, null);
    assert.equal(rec.paymentReference, co.order.payment.reference);
    await untouched();
    // The forgery did not block the real message with the same body.
    assert.equal((await postCallback(svc.url, body)).status, 200);
    assert.equal((await db.order(co.order.id)).status, 'READY');
  });

  it('refuses malformed JSON and non-payment JSON with 400 even when correctly signed', async () => {
    const { untouched } = await pendingOrder();
    for (const body of ['{"id": 1, "order_id": ', '[]', '{"id":1,"order_id":"R1","currency":"DKK","operations":"many"}']) {
      const res = await postCallback(svc.url, body);
      assert.equal(res.status, 400, body);
      assert.equal((await lastInbox()).status, InboxStatus.REJECTED);
    }
    await untouched();
  });

  it('refuses a wrong content type with 415 and an oversized body with 413, recording both', async () => {
    const { co, untouched } = await pendingOrder();
    const body = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    assert.equal((await postCallback(svc.url, body, { contentType: 'text/plain' })).status, 415);
    assert.match((await lastInbox()).outcome!, /content type/);
    const huge = JSON.stringify({ ...JSON.parse(body), padding: 'x'.repeat(20_000) });
    const res = await postCallback(svc.url, huge);
    assert.equal(res.status, 413);
    const rec = await lastInbox();
    assert.equal(rec.status, InboxStatus.REJECTED);
    assert.equal(rec.body, null, 'an oversized body is not stored');
    await untouched();
  });

  it('asks for a resend (503) when the payment is unknown, and applies the resend once it is known', async () => {
    const body = paymentResource('RNOTYETKNOWN00001', [{ id: 1, type: 'authorize', amount: 100 }]);
    const res = await postCallback(svc.url, body);
    assert.equal(res.status, 503);
    const rec = await lastInbox();
    assert.equal(rec.status, InboxStatus.UNMATCHED);
    assert.equal((await postCallback(svc.url, body)).status, 503, 'a resend is tried again, not answered as a duplicate');
    assert.equal((await db.inbox()).filter((m) => m.paymentReference === 'RNOTYETKNOWN00001').length, 1, 'recorded once');
  });

  it('answers duplicates with 200 and applies them once', async () => {
    const { co } = await pendingOrder();
    const body = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    // Side by side, each on its own connection: copies that find the message not yet applied race to apply it.
    const answers = await Promise.all(Array.from({ length: 5 }, () => postCallback(svc.url, body, { freshConnection: true })));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    const outcomes = answers.map((a) => (JSON.parse(a.body) as { status: string }).status).sort();
    assert.deepEqual(outcomes, ['ACCEPTED', 'DUPLICATE', 'DUPLICATE', 'DUPLICATE', 'DUPLICATE'], 'one copy applies it, the others hear it was done');
    assert.equal((await db.transitions(co.order.id)).filter((t) => t.toStatus === 'READY').length, 1);
    const recorded = (await db.inbox()).filter((m) => m.paymentReference === co.order.payment.reference);
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0].status, InboxStatus.PROCESSED, 'a later copy does not overwrite what the first one did');
    assert.equal(recorded[0].attempts, 1);
  });

  it('never lets a stale callback move a payment backwards', async () => {
    const { co } = await pendingOrder();
    const ref = co.order.payment.reference;
    const auth = { id: 1, type: 'authorize' as const, amount: co.order.total };
    const captured = paymentResource(ref, [auth, { id: 2, type: 'capture', amount: co.order.total }]);
    const authorised = paymentResource(ref, [auth]);
    const pending = paymentResource(ref, [{ ...auth, pending: true, qp_status_code: null }]);
    assert.equal((await postCallback(svc.url, captured)).status, 200);
    assert.equal((await postCallback(svc.url, authorised)).status, 200, 'stale but valid: answered 200');
    assert.equal((await postCallback(svc.url, pending)).status, 200);
    assert.equal((await db.payment(co.order.id)).status, 'CAPTURED');
    assert.equal((await db.order(co.order.id)).status, 'READY');
    const ignored = (await db.inbox()).filter((m) => m.paymentReference === ref && m.status === InboxStatus.IGNORED);
    assert.equal(ignored.length, 2);
    assert.match(ignored[0].outcome!, /stale/);
  });

  it('applies an operation that turns from pending to approved, and ignores a late copy of its pending state', async () => {
    const { co } = await pendingOrder();
    const ref = co.order.payment.reference;
    const pendingAuth = paymentResource(ref, [{ id: 1, type: 'authorize', amount: co.order.total, pending: true, qp_status_code: null }]);
    const approvedAuth = paymentResource(ref, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    assert.equal((await postCallback(svc.url, pendingAuth)).status, 200);
    assert.equal((await db.payment(co.order.id)).status, 'PENDING');
    assert.equal((await postCallback(svc.url, approvedAuth)).status, 200);
    // The pending state again, with a different body (a resend with another timestamp): out of date.
    const latePending = JSON.stringify({ ...JSON.parse(pendingAuth), updated_at: new Date().toISOString() });
    assert.equal((await postCallback(svc.url, latePending)).status, 200);
    const payment = await db.payment(co.order.id);
    assert.equal(payment.status, 'AUTHORIZED');
    assert.equal(payment.amountAuthorized, co.order.total, 'the out-of-date copy did not overwrite the amounts');
    assert.equal((await db.order(co.order.id)).status, 'READY');
    assert.match((await lastInbox()).outcome!, /ignored/);
  });

  it('never redirects: unknown gateways and methods get 404, a trailing slash is the same endpoint', async () => {
    const get = await fetch(`${svc.url}/callbacks/quickpay`, { redirect: 'manual' });
    assert.equal(get.status, 404);
    const unknown = await fetch(`${svc.url}/callbacks/paypal`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(unknown.status, 404);
    const { co } = await pendingOrder();
    const body = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    const slash = await fetch(`${svc.url}/callbacks/quickpay/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json; charset=utf-8', 'quickpay-checksum-sha256': (await import('../../src/gateways/quickpay/quickpay.signing.js')).signCallbackBody(body, (await import('../support/test-service.js')).TEST_KEYS.privateKey) },
      body,
    });
    assert.equal(slash.status, 200);
  });
});

describe('QuickPay callback bridge with the database down', () => {
  it('answers 503 so QuickPay resends', async () => {
    const svc = await startTestService();
    try {
      await seedCatalogue(svc);
      const co = await checkout(svc, await createFilledCart(svc));
      await takeDatabaseDown(svc);
      const res = await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      assert.equal(res.status, 503);
    } finally {
      await svc.close().catch(() => undefined);
    }
  });
});

describe('QuickPay callback bridge with a source allow-list', () => {
  it('refuses callbacks from outside the allowed ranges with 403, records them, and applies nothing', async () => {
    const svc = await startTestService({ env: { QUICKPAY_ALLOWED_SOURCES: '194.50.38.0/24' } });
    try {
      await seedCatalogue(svc);
      const co = await checkout(svc, await createFilledCart(svc));
      const res = await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
      assert.equal(res.status, 403);
      const db = inspect(svc.services);
      const rec = (await db.inbox()).at(-1)!;
      assert.equal(rec.status, InboxStatus.REJECTED);
      assert.match(rec.outcome!, /allow-list/);
      assert.equal((await db.order(co.order.id)).status, 'PENDING_PAYMENT');
    } finally {
      await svc.close();
    }
  });
});
