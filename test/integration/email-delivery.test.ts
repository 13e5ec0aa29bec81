/**
 * The outbox's e-mail (issue 6, seed 003), through a real SMTP server started here and read back with mailparser:
 * a ready order sends its confirmation once, with its lines, totals, fee and custom fields; a redelivery carries
 * the same Message-ID; nothing for an order that is not ready; every flag (and a missing callback) is told to the
 * shop; a refusing or absent server makes the row retry and end FAILED with the server's answer. Without SMTP_URL
 * messages land in the mail folder. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { createMailer } from '../../src/mail/mailer.js';
import { FLAG_NOTICES } from '../../src/mail/flag-notices.js';
import { Order, OrderFlag } from '../../src/modules/order/order.entity.js';
import { mailHandlers } from '../../src/modules/outbox/mail-handlers.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { Payment } from '../../src/modules/payment/payment.entity.js';
import { ApplyCouponCodeDocument, CreateCouponDocument, ReportRedirectOutcomeDocument, UpsertProductDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { drain, outboxWorker } from '../support/outbox-worker.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { freePort, startTestService, type TestService } from '../support/test-service.js';
import { startTestSmtpServer, type TestSmtpServer } from '../support/test-smtp-server.js';

const SHOP = 'shop-admin@leaf-and-kettle.example';
const CUSTOMER = 'ada@example.com';

/** Authorises the order's payment (its own total unless told otherwise), with a fee when given. */
async function pay(svc: TestService, co: Checkout, o: { amount?: number; fee?: number } = {}): Promise<void> {
  const body = JSON.parse(paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: o.amount ?? co.order.total }])) as Record<string, unknown>;
  const res = await postCallback(svc.url, JSON.stringify({ ...body, fee: o.fee ?? 0 }));
  assert.equal(res.status, 200, res.body);
}

describe(`e-mail through a real SMTP server (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let smtp: TestSmtpServer;
  let svc: TestService;
  let db: ReturnType<typeof inspect>;
  let host: string;
  before(async () => {
    smtp = await startTestSmtpServer();
    svc = await startTestService({ env: { SMTP_URL: smtp.url, SHOP_ADMIN_EMAIL: SHOP, MAIL_FROM: 'Leaf & Kettle <orders@leaf-and-kettle.example>' } });
    db = inspect(svc.services);
    host = new URL(svc.services.config.publicBaseUrl).hostname;
    await seedCatalogue(svc);
  });
  after(async () => {
    await svc.close();
    await smtp.close();
  });

  const row = async (orderId: string, topic: OutboxTopic) => (await db.outbox(orderId)).filter((r) => r.topic === topic);
  const confirmationId = (orderId: string) => `<order-${orderId}.confirmation@${host}>`;

  it('sends a ready order one confirmation: lines, totals, fee, custom fields, and a Message-ID from the order', async () => {
    const cartId = await createFilledCart(svc, {
      lines: [{ sku: 'TEA-EARL', quantity: 2 }, { sku: 'MUG-BLUE', quantity: 1 }],
      customFields: { giftNote: 'Happy birthday, <Ada> & co!', deliveryWindow: 'evening' },
    });
    const co = await checkout(svc, cartId, undefined, CUSTOMER);
    await pay(svc, co, { fee: 125 });
    await drain(outboxWorker(svc));
    await drain(outboxWorker(svc));

    const sent = smtp.withMessageId(confirmationId(co.order.id));
    assert.equal(sent.length, 1, 'exactly one confirmation');
    const [mail] = sent;
    assert.deepEqual(mail.envelope, { from: 'orders@leaf-and-kettle.example', to: [CUSTOMER] });
    assert.equal(mail.parsed.from?.text, '"Leaf & Kettle" <orders@leaf-and-kettle.example>');
    assert.match(mail.parsed.subject ?? '', new RegExp(`Your order ${co.order.payment.reference} at Leaf & Kettle is confirmed`));
    const text = mail.parsed.text ?? '';
    // 2 x 45.00 + 129.00 = 219.00 DKK, fee 1.25 on top.
    for (const expected of [
      `Order number: ${co.order.payment.reference}`,
      '2 x Earl Grey, 100 g (TEA-EARL) at DKK 45.00: DKK 90.00',
      '1 x Blue mug (MUG-BLUE) at DKK 129.00: DKK 129.00',
      'Subtotal: DKK 219.00',
      'Total: DKK 219.00',
      'Payment fee: DKK 1.25',
      'Total including the payment fee: DKK 220.25',
      'giftNote: Happy birthday, <Ada> & co!',
      'deliveryWindow: evening',
    ]) {
      assert.ok(text.replace(/\u00a0/g, ' ').includes(expected), `text has "${expected}":\n${text}`);
    }
    const html = typeof mail.parsed.html === 'string' ? mail.parsed.html : '';
    assert.ok(html.includes('Happy birthday, &lt;Ada&gt; &amp; co!'), 'the HTML escapes what the shopper wrote');
    assert.ok(!html.includes('<Ada>'));
    assert.ok(html.includes('Blue mug'));

    const [done] = await row(co.order.id, OutboxTopic.SEND_CONFIRMATION_EMAIL);
    assert.equal(done.status, OutboxStatus.DONE);
    assert.match(done.lastError ?? '', new RegExp(`answered: smtp://127\\.0\\.0\\.1:\\d+ accepted it: 250 .*queued as test-\\d+`), 'what the server answered is kept');
  });

  it('shows a note line the shop added (seed 003\'s used coupon) and the discount in the confirmation', async () => {
    await svc.gqlOk(CreateCouponDocument, { input: { code: 'ONCE-MAIL', kind: 'PERCENT', value: 10, singleUse: true } });
    const first = await createFilledCart(svc);
    const second = await createFilledCart(svc);
    for (const cartId of [first, second]) await svc.gqlOk(ApplyCouponCodeDocument, { cartId, code: 'ONCE-MAIL' }, null);
    const a = await checkout(svc, first, undefined, 'first@example.com');
    const b = await checkout(svc, second, undefined, CUSTOMER);
    await pay(svc, a);
    await drain(outboxWorker(svc));
    await pay(svc, b);
    await drain(outboxWorker(svc));
    const [mail] = smtp.withMessageId(confirmationId(b.order.id));
    assert.ok(mail, 'the second order is confirmed too');
    assert.match(mail.parsed.text ?? '', /Note: Invalid coupon\. Code already used in different order\./);
    assert.match((mail.parsed.text ?? '').replace(/\u00a0/g, ' '), /Discount \(ONCE-MAIL\): -DKK \d+\.\d\d/);
    const [alert] = smtp.withMessageId(`<order-${b.order.id}.flag-coupon-already-used@${host}>`);
    assert.ok(alert, 'and the shop is told');
  });

  it('sends a redelivered row again with the same Message-ID, so the duplicate is recognisable', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await pay(svc, co);
    await drain(outboxWorker(svc));
    const [first] = await row(co.order.id, OutboxTopic.SEND_CONFIRMATION_EMAIL);
    // A crash after the server took the message and before the row was marked done: the row is delivered again.
    await svc.services.orm.em.fork().nativeUpdate(OutboxMessage, { id: first.id }, { status: OutboxStatus.PENDING, nextAttemptAt: new Date(0) });
    await drain(outboxWorker(svc));
    const sent = smtp.withMessageId(confirmationId(co.order.id));
    assert.equal(sent.length, 2);
    assert.equal(sent[0].parsed.messageId, sent[1].parsed.messageId);
    assert.equal(sent[0].parsed.subject, sent[1].parsed.subject);
  });

  it('sends nothing for an order that is not ready: pending, cancelled, or paid the wrong amount', async () => {
    const pending = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    const cancelled = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await svc.gqlOk(ReportRedirectOutcomeDocument, { orderId: cancelled.order.id, outcome: 'CANCEL' }, cancelled.accessToken);
    const wrong = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await pay(svc, wrong, { amount: wrong.order.total - 100 });
    await drain(outboxWorker(svc));
    for (const co of [pending, cancelled, wrong]) {
      assert.equal(smtp.withMessageId(confirmationId(co.order.id)).length, 0, `no confirmation for ${co.order.id}`);
      assert.equal((await row(co.order.id, OutboxTopic.SEND_CONFIRMATION_EMAIL)).length, 0);
    }
  });

  it('tells the shop about a flag: what happened and what to do, once per order and flag', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await pay(svc, co, { amount: co.order.total + 500 });
    await drain(outboxWorker(svc));
    await drain(outboxWorker(svc));
    const sent = smtp.withMessageId(`<order-${co.order.id}.flag-amount-mismatch@${host}>`);
    assert.equal(sent.length, 1);
    const [mail] = sent;
    assert.deepEqual(mail.envelope.to, [SHOP]);
    assert.match(mail.parsed.subject ?? '', new RegExp(`Order ${co.order.payment.reference} needs attention: payment amount or currency differs`));
    const text = mail.parsed.text ?? '';
    assert.ok(text.includes(FLAG_NOTICES.AMOUNT_MISMATCH.happened) && text.includes(FLAG_NOTICES.AMOUNT_MISMATCH.todo), text);
    assert.ok(text.includes(co.order.id) && text.includes(CUSTOMER));
    assert.match((await row(co.order.id, OutboxTopic.NOTIFY_SHOP))[0].lastError ?? '', /accepted it: 250/);
  });

  it('has words for every flag, in the subject, the text and the HTML', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    const em = svc.services.orm.em.fork();
    const order = await em.findOneOrFail(Order, { id: co.order.id });
    const payment = await em.findOneOrFail(Payment, { orderId: co.order.id });
    for (const flag of Object.values(OrderFlag)) {
      const receipt = await svc.services.mailer.sendFlagAlert(order, payment, flag);
      assert.ok(receipt.sent, flag);
      const [mail] = smtp.withMessageId(receipt.messageId!);
      const notice = FLAG_NOTICES[flag];
      assert.ok(notice.title && notice.happened && notice.todo, flag);
      assert.ok(mail.parsed.subject?.includes(notice.title), `${flag} subject`);
      assert.ok(mail.parsed.text?.includes(notice.todo), `${flag} text`);
      assert.ok(typeof mail.parsed.html === 'string' && mail.parsed.html.includes(flag), `${flag} html`);
    }
  });

  it('sends seed 003\'s pending-payment notice once an order has waited PENDING_PAYMENT_ALERT_AFTER, and none for one that stopped waiting', async () => {
    const waiting = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    const paid = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    const refused = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await drain(outboxWorker(svc));
    const alertId = (orderId: string) => `<order-${orderId}.pending-payment@${host}>`;
    assert.equal(smtp.withMessageId(alertId(waiting.order.id)).length, 0, 'not before it is due');
    await pay(svc, paid);
    await pay(svc, refused, { amount: refused.order.total + 1 }); // the gateway spoke: the shop hears of the flag instead
    // Time passes: the alerts fall due (PENDING_PAYMENT_ALERT_AFTER after checkout).
    for (const co of [waiting, paid, refused]) {
      await svc.services.orm.em.fork().nativeUpdate(OutboxMessage, { orderId: co.order.id, topic: OutboxTopic.PENDING_PAYMENT_ALERT }, { nextAttemptAt: new Date(0) });
    }
    await drain(outboxWorker(svc));
    await drain(outboxWorker(svc));
    const sent = smtp.withMessageId(alertId(waiting.order.id));
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].envelope.to, [SHOP]);
    assert.match(sent[0].parsed.subject ?? '', new RegExp(`Order ${waiting.order.payment.reference} is waiting for its payment`));
    assert.match(sent[0].parsed.text ?? '', new RegExp(`order number ${waiting.order.payment.reference} was completed but is missing the transaction callback`));
    for (const co of [paid, refused]) {
      assert.equal(smtp.withMessageId(alertId(co.order.id)).length, 0, `no alert for ${co.order.id}`);
      const [done] = await row(co.order.id, OutboxTopic.PENDING_PAYMENT_ALERT);
      assert.equal(done.status, OutboxStatus.DONE);
      assert.match(done.lastError ?? '', /not sent: the order no longer waits for its payment/);
    }
  });

  it('retries when the server refuses (550), then FAILs the row with the server\'s answer', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, 'nobody@example.com');
    await pay(svc, co);
    smtp.refuse({ at: 'rcpt', code: 550, message: '5.1.1 <nobody@example.com>: Recipient address rejected' });
    try {
      const worker = outboxWorker(svc, { maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 40 });
      const confirmation = async () => (await row(co.order.id, OutboxTopic.SEND_CONFIRMATION_EMAIL))[0];
      const seen: number[] = [];
      for (let i = 0; i < 100 && (await confirmation()).status === OutboxStatus.PENDING; i++) {
        await worker.runOnce();
        const r = await confirmation();
        if (!seen.includes(r.attempts)) seen.push(r.attempts);
        await sleep(15);
      }
      const failed = await confirmation();
      assert.equal(failed.status, OutboxStatus.FAILED);
      assert.equal(failed.attempts, 3);
      assert.ok(seen.includes(1) && seen.includes(2), `retried in between: attempts seen ${seen}`);
      assert.match(failed.lastError ?? '', /refused it: 550 5\.1\.1 <nobody@example\.com>: Recipient address rejected/);
      assert.equal(smtp.withMessageId(confirmationId(co.order.id)).length, 0);
    } finally {
      smtp.refuse(null);
    }
  });

  it('retries when nothing listens (connection refused), then FAILs the row with the reason', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await pay(svc, co);
    const mail = { ...svc.services.config.mail, smtpUrl: `smtp://127.0.0.1:${await freePort()}`, smtpServer: 'smtp://nowhere' };
    const mailer = createMailer(mail, pino({ level: 'silent' }));
    const worker = outboxWorker(svc, { maxAttempts: 2, retryBaseMs: 10, retryMaxMs: 20 }, mailHandlers(svc.services.orm, mailer, mail.smtpTimeoutMs));
    const confirmation = async () => (await row(co.order.id, OutboxTopic.SEND_CONFIRMATION_EMAIL))[0];
    for (let i = 0; i < 100 && (await confirmation()).status === OutboxStatus.PENDING; i++) {
      await worker.runOnce();
      await sleep(15);
    }
    const failed = await confirmation();
    assert.equal(failed.status, OutboxStatus.FAILED);
    assert.equal(failed.attempts, 2);
    assert.match(failed.lastError ?? '', /smtp:\/\/nowhere refused it: .*ECONNREFUSED/);
  });

  it('does not start sending a row whose lease could run out before the server answers, and hands it back', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await pay(svc, co);
    const worker = outboxWorker(svc);
    const claimed = (await worker.claim(new Date())).filter((r) => r.orderId === co.order.id && r.topic === OutboxTopic.SEND_CONFIRMATION_EMAIL);
    assert.equal(claimed.length, 1);
    // As if the rows before it in the batch had taken most of the lease: one second of it is left, less than
    // SMTP_TIMEOUT_MS.
    const soon = new Date(Date.now() + 1_000);
    await svc.services.orm.em.fork().nativeUpdate(OutboxMessage, { id: claimed[0].id }, { leaseExpiresAt: soon });
    claimed[0].leaseExpiresAt = soon;
    await worker.deliver(claimed[0]);
    assert.equal(smtp.withMessageId(confirmationId(co.order.id)).length, 0, 'not sent');
    const handedBack = (await row(co.order.id, OutboxTopic.SEND_CONFIRMATION_EMAIL))[0];
    assert.deepEqual([handedBack.status, handedBack.attempts, handedBack.leaseOwner], [OutboxStatus.PENDING, 0, null], 'handed back, no attempt counted');
    await drain(worker);
    assert.equal(smtp.withMessageId(confirmationId(co.order.id)).length, 1, 'sent on the next claim');
  });
});

describe(`e-mail with nothing configured (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('writes the confirmation to the mail folder (MAIL_DIR) as an .eml file, once however often it is delivered', async () => {
    const co = await checkout(svc, await createFilledCart(svc), undefined, CUSTOMER);
    await pay(svc, co);
    await drain(outboxWorker(svc));
    const { dir } = svc.services.config.mail;
    const files = () => readdirSync(dir).filter((f) => f.includes(co.order.id) && f.endsWith('.eml'));
    assert.deepEqual(files(), [`order-${co.order.id}.confirmation_127.0.0.1.eml`]);
    const parsed = await simpleParser(readFileSync(join(dir, files()[0])));
    assert.equal(parsed.messageId, `<order-${co.order.id}.confirmation@127.0.0.1>`);
    assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '', CUSTOMER);
    assert.match(parsed.text ?? '', /2 x Earl Grey, 100 g/);
    const [done] = (await inspect(svc.services).outbox(co.order.id)).filter((r) => r.topic === OutboxTopic.SEND_CONFIRMATION_EMAIL);
    assert.equal(done.lastError, `answered: written to ${join(dir, files()[0])}`);

    await svc.services.orm.em.fork().nativeUpdate(OutboxMessage, { id: done.id }, { status: OutboxStatus.PENDING, nextAttemptAt: new Date(0) });
    await drain(outboxWorker(svc));
    assert.equal(files().length, 1, 'a redelivery replaces the file');
    assert.ok(readdirSync(dir).every((f) => f.endsWith('.eml')), 'no temporary file left behind');
  });

  it('owes the shop no e-mail without SHOP_ADMIN_EMAIL: the flag\'s row is done and says so', async () => {
    await svc.gqlOk(UpsertProductDocument, { input: { sku: 'LAST-ONE', name: 'Last one', unitPrice: 1000, currency: 'DKK', stockOnHand: 0 } });
    const co = await checkout(svc, await createFilledCart(svc, { lines: [{ sku: 'LAST-ONE', quantity: 1 }] }));
    await pay(svc, co);
    await drain(outboxWorker(svc));
    await drain(outboxWorker(svc));
    const notices = (await inspect(svc.services).outbox(co.order.id)).filter((r) => r.topic === OutboxTopic.NOTIFY_SHOP);
    assert.equal(notices.length, 1, 'OUT_OF_STOCK');
    assert.equal(notices[0].status, OutboxStatus.DONE);
    assert.equal(notices[0].lastError, 'answered: not sent: SHOP_ADMIN_EMAIL is not configured');
    const { dir } = svc.services.config.mail;
    assert.equal(existsSync(dir) ? readdirSync(dir).filter((f) => f.includes(co.order.id)).length : 0, 0);
  });
});
