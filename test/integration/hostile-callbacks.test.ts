/**
 * What strangers and odd bytes can do to the callback bridge: nothing is stored altered, nothing unbounded is
 * stored, rejected traffic is rate-limited per source and expires, and a verified message that can never be
 * applied is recorded and answered so the gateway stops resending. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InboxMessage, InboxStatus } from '../../src/modules/inbox/inbox-message.entity.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { InboxMessagesDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const KEEP = { headers: 1024, body: 512 };

describe(`hostile callbacks (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  before(async () => {
    svc = await startTestService({ env: { INBOX_HEADERS_KEEP: String(KEEP.headers), INBOX_REJECTED_BODY_KEEP: String(KEEP.body) } });
    db = inspect(svc.services);
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  const lastInbox = async () => (await db.inbox()).at(-1)!;
  const inboxRow = async (id: number) => (await svc.gqlOk(InboxMessagesDocument, { limit: 100 })).inboxMessages.find((m) => m.id === String(id))!;

  it('records a body with a NUL byte, forged or signed, byte for byte, and answers 4xx', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const body = Buffer.from(`{"id":1,"order_id":"${co.order.payment.reference}","currency":"DKK","operations":[]\u0000}`);
    for (const [options, status] of [[{ checksum: 'f'.repeat(64) }, 401], [{}, 400]] as const) {
      const res = await postCallback(svc.url, body, options);
      assert.equal(res.status, status, res.body);
      const rec = await lastInbox();
      assert.equal(rec.status, InboxStatus.REJECTED);
      assert.deepEqual(Buffer.from(rec.body!), body, 'stored exactly');
    }
  });

  it('stores a signed body that is not valid UTF-8 exactly as received', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const json = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    const body = Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from(',"note":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const res = await postCallback(svc.url, body);
    assert.equal(res.status, 200, res.body);
    const rec = await lastInbox();
    assert.equal(rec.status, InboxStatus.PROCESSED);
    assert.deepEqual(Buffer.from(rec.body!), body, `${body.length} bytes received and stored`);
    assert.equal((await inboxRow(rec.id)).bodyBase64, body.toString('base64'), 'and shown exactly to the back office');
    assert.equal((await db.order(co.order.id)).status, 'READY');
  });

  it('answers a signed message whose reference can never be ours so QuickPay stops, and records it as failed', async () => {
    const body = paymentResource('R\u0000BROKEN', [{ id: 1, type: 'authorize', amount: 100 }]);
    const res = await postCallback(svc.url, body);
    assert.equal(res.status, 200, res.body);
    const rec = await lastInbox();
    assert.equal(rec.status, InboxStatus.FAILED);
    assert.match(rec.outcome!, /cannot be one of ours/);
    assert.equal((await postCallback(svc.url, body)).status, 200, 'a resend is a duplicate');
  });

  it('applies a signed authorisation of 3,000,000,000 (a mismatch, flagged) and later messages of that payment', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const ref = co.order.payment.reference;
    const big = { id: 1, type: 'authorize' as const, amount: 3_000_000_000 };
    assert.equal((await postCallback(svc.url, paymentResource(ref, [big]))).status, 200);
    const order = await db.order(co.order.id);
    assert.equal(order.status, 'PENDING_PAYMENT');
    assert.ok(order.flags.includes(OrderFlag.AMOUNT_MISMATCH));
    assert.equal((await db.payment(co.order.id)).amountAuthorized, 3_000_000_000);
    assert.equal((await postCallback(svc.url, paymentResource(ref, [big, { id: 2, type: 'capture', amount: 3_000_000_000 }]))).status, 200);
    assert.equal((await db.payment(co.order.id)).amountCaptured, 3_000_000_000);
    assert.ok((await db.inbox()).every((m) => m.status !== InboxStatus.RECEIVED), 'no message is left half-done');
  });

  it('keeps a bounded part of what a forger sends: headers and body are cut', async () => {
    const res = await fetch(`${svc.url}/callbacks/quickpay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'quickpay-checksum-sha256': '0'.repeat(64), 'x-junk': 'j'.repeat(14_000), 'x-more': 'm'.repeat(500) },
      body: JSON.stringify({ order_id: 'R1', padding: 'p'.repeat(6000) }),
    });
    assert.equal(res.status, 401);
    const rec = await lastInbox();
    assert.ok(Buffer.byteLength(JSON.stringify(rec.headers)) <= KEEP.headers, `headers kept: ${JSON.stringify(rec.headers).length} bytes`);
    assert.equal(rec.headers['content-type'], 'application/json', 'the useful headers are kept');
    assert.ok(rec.body!.length <= KEEP.body);
  });

  it('answers a verified message that fails to apply (not for a database outage) with success, records it as failed and flags its order', async (t) => {
    const co = await checkout(svc, await createFilledCart(svc));
    const payments = svc.services.payments;
    t.mock.method(payments, 'apply', async () => {
      throw new Error('a bug that a resend would hit again');
    });
    const body = paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]);
    const res = await postCallback(svc.url, body);
    assert.equal(res.status, 200, res.body);
    const rec = await lastInbox();
    assert.equal(rec.status, InboxStatus.FAILED);
    assert.match(rec.outcome!, /a bug that a resend would hit again/);
    assert.ok((await db.order(co.order.id)).flags.includes(OrderFlag.NOTIFICATION_NOT_APPLIED), 'the shop is told');
    assert.equal((await postCallback(svc.url, body)).status, 200, 'a resend is a duplicate');
  });
});

describe(`rejected traffic is bounded per source and in time (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { INBOX_REJECTED_PER_MINUTE: '5', INBOX_REJECTED_RETENTION_HOURS: '24' } });
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('records at most INBOX_REJECTED_PER_MINUTE rejected messages a minute per source, and answers the rest 429', async () => {
    const db = inspect(svc.services);
    const before = (await db.inbox()).length;
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await postCallback(svc.url, `{"forged":${i}}`, { checksum: 'a'.repeat(64) })).status);
    assert.deepEqual(answers, [401, 401, 401, 401, 401, 429, 429, 429]);
    assert.equal((await db.inbox()).length - before, 5, 'only the first five are stored');
    // The gateway's own messages are never limited.
    const co = await checkout(svc, await createFilledCart(svc));
    assert.equal((await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]))).status, 200);
  });

  it('deletes rejected messages older than INBOX_REJECTED_RETENTION_HOURS, and never a verified one', async () => {
    const em = svc.services.orm.em.fork();
    const long = new Date(Date.now() - 25 * 3_600_000);
    const row = (status: InboxStatus, receivedAt: Date, dedupKey: string | null) =>
      em.create(InboxMessage, { gateway: 'QUICKPAY' as never, dedupKey, status, paymentReference: null, remoteAddress: null, headers: {}, body: null, outcome: 'x', attempts: 1, receivedAt, processedAt: receivedAt });
    const oldRejected = row(InboxStatus.REJECTED, long, null);
    const newRejected = row(InboxStatus.REJECTED, new Date(), null);
    const oldVerified = row(InboxStatus.PROCESSED, long, `QUICKPAY:old-${Date.now()}`);
    await em.flush();
    assert.ok((await svc.services.inboxRetention.sweep()) >= 1);
    const left = new Set((await svc.services.orm.em.fork().find(InboxMessage, {})).map((m) => m.id));
    assert.ok(!left.has(oldRejected.id), 'an old rejected message is deleted');
    assert.ok(left.has(newRejected.id), 'a recent one is kept');
    assert.ok(left.has(oldVerified.id), 'a verified one is kept, however old');
  });
});
