import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrawMethod, GatewayApiError, MalformedNotificationError, NotificationOutcome, type PaymentRequestInput, type PaymentTerms } from '../../src/gateways/gateway.js';
import { readQuickPayConfig } from '../../src/gateways/quickpay/quickpay.config.js';
import { QuickPayGateway } from '../../src/gateways/quickpay/quickpay.adapter.js';
import { toPaymentStateEvent, type QuickPayPayment } from '../../src/gateways/quickpay/quickpay.payment.js';
import { toSubscriptionStateEvent } from '../../src/gateways/quickpay/quickpay.subscription.js';
import { signCallbackBody, signPaymentWindow, verifyPaymentWindow } from '../../src/gateways/quickpay/quickpay.signing.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';

const config = readQuickPayConfig({ QUICKPAY_PRIVATE_KEY: 'private', QUICKPAY_API_KEY: 'api', QUICKPAY_MERCHANT_ID: '1', QUICKPAY_AGREEMENT_ID: '2' }).config!;
const gateway = new QuickPayGateway(config);
const context = { now: new Date(), storedPayment: async () => null };

const op = (id: number, type: string, code: string | null = '20000', amount = 1000, pending = false) => ({ id, type, amount, pending, qp_status_code: code });
const payment = (operations: ReturnType<typeof op>[], extra: Partial<QuickPayPayment> = {}): QuickPayPayment =>
  ({ id: 42, order_id: 'R123', accepted: true, type: 'Payment', currency: 'DKK', test_mode: false, operations, fee: 0, ...extra }) as QuickPayPayment;

describe('QuickPay operations to payment status', () => {
  const cases: [string, ReturnType<typeof op>[], PaymentStatus | null][] = [
    ['no operations says nothing', [], null],
    ['a pending authorize is pending', [op(1, 'authorize', null, 1000, true)], PaymentStatus.PENDING],
    ['an approved authorize is authorised', [op(1, 'authorize')], PaymentStatus.AUTHORIZED],
    ['a rejected authorize is refused', [op(1, 'authorize', '40000')], PaymentStatus.REFUSED],
    ['an expired authorisation is expired', [op(1, 'authorize', '40002')], PaymentStatus.EXPIRED],
    ['a retry after a refusal is authorised', [op(1, 'authorize', '40000'), op(2, 'authorize')], PaymentStatus.AUTHORIZED],
    ['capture after authorise is captured', [op(1, 'authorize'), op(2, 'capture')], PaymentStatus.CAPTURED],
    ['a failed capture keeps the authorisation', [op(1, 'authorize'), op(2, 'capture', '40001')], PaymentStatus.AUTHORIZED],
    ['refund after capture is refunded', [op(1, 'authorize'), op(2, 'capture'), op(3, 'refund', '20000', 400)], PaymentStatus.REFUNDED],
    ['cancel after authorise is a void', [op(1, 'authorize'), op(2, 'cancel')], PaymentStatus.CANCELLED],
    ['a capture of the rest after a refund stays refunded', [op(1, 'authorize', '20000', 1000), op(2, 'capture', '20000', 400), op(3, 'refund', '20000', 400), op(4, 'capture', '20000', 600)], PaymentStatus.REFUNDED],
  ];
  for (const [name, ops, expected] of cases) {
    it(name, () => assert.equal(toPaymentStateEvent(payment(ops))?.status ?? null, expected));
  }

  it('orders by operation id, whatever order the list comes in, and sequences by the latest operation', () => {
    const e = toPaymentStateEvent(payment([op(3, 'capture'), op(1, 'authorize')]))!;
    assert.equal(e.status, PaymentStatus.CAPTURED);
    assert.equal(e.amountAuthorized, 1000);
    assert.equal(e.amountCaptured, 1000);
    const earlier = toPaymentStateEvent(payment([op(1, 'authorize')]))!;
    assert.ok(earlier.sequence < e.sequence);
  });

  it('puts a settled operation after its own pending version (same operation id)', () => {
    const pending = toPaymentStateEvent(payment([op(1, 'authorize', '40002'), op(2, 'authorize', null, 1000, true)]))!;
    const settled = toPaymentStateEvent(payment([op(1, 'authorize', '40002'), op(2, 'authorize', '40000')]))!;
    assert.equal(pending.status, PaymentStatus.EXPIRED);
    assert.equal(settled.status, PaymentStatus.REFUSED);
    assert.ok(pending.sequence < settled.sequence, 'the pending copy is older, not a twin');
  });
});

const windowRequest = (terms: Partial<PaymentTerms> = {}): PaymentRequestInput => ({
  payment: { reference: 'R1', gatewayPaymentId: null, gatewayData: {} },
  amount: 1000,
  currency: 'DKK',
  terms: { drawMethod: DrawMethod.AUTHORIZE, gatewayFeeAllowed: false, lockedTo: null, ...terms },
  continueUrl: 'https://s/c',
  cancelUrl: 'https://s/x',
  callbackUrl: 'https://s/cb',
  language: 'da',
  idempotencyKey: 'payment:1',
});

describe('QuickPay adapter', () => {
  const body = Buffer.from(JSON.stringify(payment([op(1, 'authorize')])));

  it('accepts the checksum of the exact raw body, and refuses any other', async () => {
    const verify = (b: Buffer, headers: Record<string, string>) => gateway.verifyNotification(b, headers, context);
    const sig = signCallbackBody(body, 'private');
    assert.equal(await verify(body, { 'quickpay-checksum-sha256': sig }), undefined);
    assert.match((await verify(body, { 'quickpay-checksum-sha256': sig.toUpperCase() })) ?? 'accepted', /accepted/, 'hex case does not matter');
    assert.match((await verify(body, { 'quickpay-checksum-sha256': signCallbackBody(body, 'api') }))!, /does not match/);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    assert.match((await verify(reserialised, { 'quickpay-checksum-sha256': sig }))!, /does not match/);
    assert.match((await verify(body, {}))!, /missing/);
  });

  it('refuses bodies that are not a QuickPay payment', () => {
    assert.throws(() => gateway.parseNotification(Buffer.from('{not json')), MalformedNotificationError);
    assert.throws(() => gateway.parseNotification(Buffer.from('{"id":"x"}')), MalformedNotificationError);
    assert.throws(() => gateway.parseNotification(Buffer.from(JSON.stringify({ ...payment([]), currency: 'DANISH' }))), MalformedNotificationError);
  });

  it('answers 2xx only when QuickPay may stop resending, and 5xx only when a resend helps', () => {
    for (const o of [NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE, NotificationOutcome.IGNORED]) assert.equal(gateway.answer(o).status, 200);
    for (const o of [NotificationOutcome.REJECTED_SIGNATURE, NotificationOutcome.REJECTED_MALFORMED, NotificationOutcome.REJECTED_TOO_LARGE, NotificationOutcome.REJECTED_CONTENT_TYPE]) {
      const s = gateway.answer(o).status;
      assert.ok(s >= 400 && s < 500, `${o} -> ${s}`);
    }
    assert.equal(gateway.answer(NotificationOutcome.RETRY_LATER).status, 503);
  });

  it('signs the payment window form with the API key over the sorted values', () => {
    const req = gateway.buildPaymentRequest(windowRequest());
    assert.equal(req.method, 'POST');
    assert.ok(verifyPaymentWindow(req.fields, 'api'));
    assert.equal(req.fields.checksum, signPaymentWindow({ ...req.fields }, 'api'));
    assert.ok(!verifyPaymentWindow({ ...req.fields, amount: '1' }, 'api'), 'a changed amount breaks the checksum');
  });

  it("puts the payment method's terms in the window: autofee, the lock-in list, and type=subscription", () => {
    const plain = gateway.buildPaymentRequest(windowRequest()).fields;
    assert.equal(plain.autofee, '0');
    assert.equal(plain.type, 'payment');
    assert.equal(plain.payment_methods, undefined);
    const terms = gateway.buildPaymentRequest(windowRequest({ gatewayFeeAllowed: true, lockedTo: 'visa,mobilepay', drawMethod: DrawMethod.SUBSCRIPTION })).fields;
    assert.equal(terms.autofee, '1');
    assert.equal(terms.payment_methods, 'visa,mobilepay');
    assert.equal(terms.type, 'subscription');
    assert.ok(verifyPaymentWindow(terms, 'api'), 'signed with them');
  });

  it("reports the ledger's operations (capture, refund, cancel, recurring) with QuickPay's id and outcome, not the authorisation", () => {
    const event = toPaymentStateEvent(payment([op(1, 'authorize'), op(2, 'capture', '40000', 300), op(3, 'capture', '20000', 300), op(4, 'refund', null, 100, true)]))!;
    assert.deepEqual(
      event.operations!.map((o) => [o.gatewayOperationId, o.kind, o.amount, o.outcome]),
      [['2', 'CAPTURE', 300, 'FAILED'], ['3', 'CAPTURE', 300, 'SUCCEEDED'], ['4', 'REFUND', 100, 'PENDING']],
    );
  });

  it('charges a subscription at /subscriptions/{id}/recurring, auto-captured, with an order id made from the reference and the key, and answers with the subscription and its charges', async () => {
    const asked: { method: string; url: string; body?: Record<string, unknown> }[] = [];
    const charges: QuickPayPayment[] = [];
    const fake: typeof fetch = async (url, init) => {
      const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
      asked.push({ method: init?.method ?? 'GET', url: String(url), body });
      const path = new URL(String(url)).pathname;
      if (path === '/subscriptions/42/recurring') {
        const charge = payment([op(1, 'recurring', '20000', Number(body!.amount)), op(2, 'capture', '20000', Number(body!.amount))], { id: 100 + charges.length, order_id: String(body!.order_id), subscription_id: 42 });
        charges.push(charge);
        return new Response(JSON.stringify(charge), { status: 202 });
      }
      if (path === '/subscriptions/42') return Response.json(payment([op(1, 'subscribe', '20000', 0)], { type: 'Subscription', order_id: 'R123456789ABCDEF' }));
      if (path === '/subscriptions/42/payments') return Response.json(charges);
      return new Response('{}', { status: 404 });
    };
    const subscriptions = new QuickPayGateway(config, fake);
    const sub = { reference: 'R123456789ABCDEF', gatewayPaymentId: '42', gatewayData: {}, drawMethod: DrawMethod.SUBSCRIPTION };
    const event = await subscriptions.chargeSubscription(sub, 700, { idempotencyKey: 'op:1' });
    await subscriptions.chargeSubscription(sub, 700, { idempotencyKey: 'op:1' });
    const third = await subscriptions.chargeSubscription(sub, 300, { idempotencyKey: 'op:2' });
    const charged = asked.filter((a) => a.method === 'POST');
    assert.match(charged[0].url, /\/subscriptions\/42\/recurring\?synchronized$/);
    assert.equal(charged[0].body!.auto_capture, true);
    assert.match(String(charged[0].body!.order_id), /^R123456789ABCDEF[0-9A-F]{4}$/);
    assert.equal(charged[1].body!.order_id, charged[0].body!.order_id, 'the same request asks for the same charge');
    assert.notEqual(charged[2].body!.order_id, charged[0].body!.order_id);
    assert.deepEqual([event.reference, event.gatewayPaymentId, event.status, event.amountCaptured], ['R123456789ABCDEF', '42', PaymentStatus.CAPTURED, 700]);
    assert.equal(third.amountCaptured, 1700);
    assert.deepEqual(third.operations!.map((o) => [o.gatewayOperationId, o.kind, o.amount, o.outcome]), [
      ['payment 100', 'RECURRING', 700, 'SUCCEEDED'],
      ['payment 101', 'RECURRING', 700, 'SUCCEEDED'],
      ['payment 102', 'RECURRING', 300, 'SUCCEEDED'],
    ]);
    assert.ok(third.sequence > event.sequence, 'each charge moves the subscription on');

    // A refund goes to the newest charge that holds it; an amount no single charge holds is refused before asking.
    await subscriptions.refund(sub, 500, { idempotencyKey: 'op:3' }).catch(() => undefined);
    assert.match(asked.filter((a) => a.method === 'POST').at(-1)!.url, /\/payments\/101\/refund\?synchronized$/);
    const posts = asked.filter((a) => a.method === 'POST').length;
    await assert.rejects(subscriptions.refund(sub, 800, { idempotencyKey: 'op:4' }), (e: GatewayApiError) => e.status === 400 && /no recurring payment/.test(e.message));
    assert.equal(asked.filter((a) => a.method === 'POST').length, posts);
  });

  it("reads a recurring charge's callback as a claim about its subscription, to be confirmed by asking QuickPay", () => {
    const charge = payment([op(1, 'recurring', '20000', 700), op(2, 'capture', '20000', 700)], { id: 7, order_id: 'R123456789ABCDEF0A1B', subscription_id: 42 });
    const claim = gateway.parseNotification(Buffer.from(JSON.stringify(charge)))!;
    assert.deepEqual([claim.reference, claim.gatewayPaymentId, claim.confirmBeforeApplying], ['R123456789ABCDEF', '42', true]);
    const foreign = gateway.parseNotification(Buffer.from(JSON.stringify({ ...charge, order_id: 'made-elsewhere' })))!;
    assert.equal(foreign.reference, 'made-elsewhere', 'an order id we did not make names no payment of ours');
    const own = gateway.parseNotification(Buffer.from(JSON.stringify(payment([op(1, 'subscribe')], { type: 'Subscription' }))))!;
    assert.equal(own.confirmBeforeApplying, true, "a subscription's own callback does not show its charges");
    assert.equal(gateway.parseNotification(Buffer.from(JSON.stringify(payment([op(1, 'authorize')]))))!.confirmBeforeApplying, undefined);
  });

  it('folds a subscription and its charges into one payment: in-flight, failed, cancelled and refunded charges, and a cancel after charges', () => {
    const sub = payment([op(1, 'subscribe', '20000', 0)], { type: 'Subscription' });
    const charge = (id: number, ops: ReturnType<typeof op>[]) => payment(ops, { id, order_id: `c${id}`, subscription_id: 42 });
    const folded = toSubscriptionStateEvent(sub, [
      charge(10, [op(1, 'recurring', '20000', 500), op(2, 'capture', '20000', 500), op(3, 'refund', '20000', 200)]),
      charge(11, [op(1, 'recurring', '40000', 300)]),
      charge(12, [op(1, 'recurring', '20000', 400)]),
      charge(13, [op(1, 'recurring', '20000', 900), op(2, 'cancel')]),
      payment([op(1, 'recurring', '20000', 999), op(2, 'capture', '20000', 999)], { id: 14, subscription_id: 43 }),
    ])!;
    assert.deepEqual(folded.operations!.map((o) => [o.gatewayOperationId, o.kind, o.amount, o.outcome]), [
      ['payment 10', 'RECURRING', 500, 'SUCCEEDED'],
      ['payment 10 operation 3', 'REFUND', 200, 'SUCCEEDED'],
      ['payment 11', 'RECURRING', 300, 'FAILED'],
      ['payment 12', 'RECURRING', 400, 'PENDING'],
      ['payment 13', 'RECURRING', 900, 'FAILED'],
    ]);
    assert.deepEqual([folded.status, folded.amountCaptured, folded.amountRefunded], [PaymentStatus.REFUNDED, 500, 200]);
    assert.equal(toSubscriptionStateEvent(sub, [])!.status, PaymentStatus.AUTHORIZED);
    const ended = toSubscriptionStateEvent(payment([op(1, 'subscribe', '20000', 0), op(2, 'cancel')], { type: 'Subscription' }), [charge(10, [op(1, 'recurring', '20000', 500), op(2, 'capture', '20000', 500)])])!;
    assert.equal(ended.status, PaymentStatus.CAPTURED, 'ending the subscription gives nothing back');
  });

  it('makes references QuickPay accepts: 4-20 alphanumerics, a new one each time', () => {
    const refs = new Set(Array.from({ length: 200 }, () => gateway.newPaymentReference()));
    assert.equal(refs.size, 200);
    for (const r of refs) assert.match(r, /^[A-Za-z0-9]{4,20}$/);
  });
});

describe('QuickPay configuration section', () => {
  it('is off without QUICKPAY_PRIVATE_KEY (not offered), and says so', () => {
    const off = readQuickPayConfig({ QUICKPAY_API_KEY: 'api' });
    assert.equal(off.config, null);
    assert.deepEqual(off.problems, []);
  });

  it('fails the start on a source allow-list entry that is not an address or range', () => {
    const bad = readQuickPayConfig({ QUICKPAY_PRIVATE_KEY: 'k', QUICKPAY_ALLOWED_SOURCES: '10.0.0.0/8, 300.1.2.3' });
    assert.equal(bad.config, null);
    assert.match(bad.problems.join(), /QUICKPAY_ALLOWED_SOURCES: not an address or CIDR range: 300\.1\.2\.3/);
    assert.deepEqual(readQuickPayConfig({ QUICKPAY_PRIVATE_KEY: 'k', QUICKPAY_ALLOWED_SOURCES: '10.0.0.0/8,::1' }).config?.allowedSources, ['10.0.0.0/8', '::1']);
  });
});
