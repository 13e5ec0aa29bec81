import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { MalformedNotificationError, NotificationOutcome } from '../../src/gateways/gateway.js';
import { QuickPayGateway } from '../../src/gateways/quickpay/quickpay.adapter.js';
import { toPaymentStateEvent, type QuickPayPayment } from '../../src/gateways/quickpay/quickpay.payment.js';
import { signCallbackBody, signPaymentWindow, verifyPaymentWindow } from '../../src/gateways/quickpay/quickpay.signing.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';

const config = loadConfig({ QUICKPAY_PRIVATE_KEY: 'private', QUICKPAY_API_KEY: 'api', QUICKPAY_MERCHANT_ID: '1', QUICKPAY_AGREEMENT_ID: '2' }).quickpay;
const gateway = new QuickPayGateway(config);

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

describe('QuickPay adapter', () => {
  const body = Buffer.from(JSON.stringify(payment([op(1, 'authorize')])));

  it('accepts the checksum of the exact raw body, and refuses any other', () => {
    const sig = signCallbackBody(body, 'private');
    assert.equal(gateway.verifyNotification(body, { 'quickpay-checksum-sha256': sig }), undefined);
    assert.match(gateway.verifyNotification(body, { 'quickpay-checksum-sha256': sig.toUpperCase() }) ?? 'accepted', /accepted/, 'hex case does not matter');
    assert.match(gateway.verifyNotification(body, { 'quickpay-checksum-sha256': signCallbackBody(body, 'api') })!, /does not match/);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    assert.match(gateway.verifyNotification(reserialised, { 'quickpay-checksum-sha256': sig })!, /does not match/);
    assert.match(gateway.verifyNotification(body, {})!, /missing/);
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
    const req = gateway.buildPaymentRequest({ reference: 'R1', amount: 1000, currency: 'DKK', continueUrl: 'https://s/c', cancelUrl: 'https://s/x', callbackUrl: 'https://s/cb', language: 'da' });
    assert.equal(req.method, 'POST');
    assert.ok(verifyPaymentWindow(req.fields, 'api'));
    assert.equal(req.fields.checksum, signPaymentWindow({ ...req.fields }, 'api'));
    assert.ok(!verifyPaymentWindow({ ...req.fields, amount: '1' }, 'api'), 'a changed amount breaks the checksum');
  });
});
