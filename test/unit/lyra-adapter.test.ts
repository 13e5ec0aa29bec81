/**
 * The Lyra adapter apart from signatures: statuses, currencies, the order of messages, the payment form, answers,
 * configuration, and the REST API's refusals against a fake fetch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrawMethod, GatewayApiError, MalformedNotificationError, NotificationOutcome, OperationKind, type PaymentRequestInput } from '../../src/gateways/gateway.js';
import { LyraGateway } from '../../src/gateways/lyra/lyra.adapter.js';
import { lyraWarnings, readLyraConfig } from '../../src/gateways/lyra/lyra.config.js';
import { alphaCurrency, numericCurrency } from '../../src/gateways/lyra/lyra.currency.js';
import { signForm, verifyForm } from '../../src/gateways/lyra/lyra.signing.js';
import { LYRA_STATUSES } from '../../src/gateways/lyra/lyra.status.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';

const KEY = 'testkey';
const config = readLyraConfig({ LYRA_SITE_ID: '12345678', LYRA_KEY_TEST: KEY, LYRA_REST_PASSWORD: 'restpw', LYRA_API_URL: 'https://lyra.test', LYRA_ALLOWED_SOURCES: '' }).config!;
const gateway = new LyraGateway(config);

/** A form IPN as Lyra would post it, signed. */
function ipn(extra: Record<string, string> = {}): Buffer {
  const fields: Record<string, string> = {
    vads_site_id: '12345678',
    vads_ctx_mode: 'TEST',
    vads_order_id: 'LREF1',
    vads_trans_id: '000042',
    vads_trans_uuid: 'a'.repeat(32),
    vads_trans_date: '20250301120000',
    vads_amount: '2500',
    vads_currency: '978',
    vads_trans_status: 'AUTHORISED_TO_VALIDATE',
    vads_operation_type: 'DEBIT',
    vads_auth_result: '00',
    vads_url_check_src: 'PAY',
    ...extra,
  };
  return Buffer.from(new URLSearchParams({ ...fields, signature: signForm(fields, KEY, 'HMAC_SHA256') }).toString());
}

describe('Lyra transaction statuses', () => {
  const expected: Record<string, PaymentStatus> = {
    AUTHORISED: PaymentStatus.AUTHORIZED,
    AUTHORISED_TO_VALIDATE: PaymentStatus.AUTHORIZED,
    CAPTURED: PaymentStatus.CAPTURED,
    REFUSED: PaymentStatus.REFUSED,
    NOT_CREATED: PaymentStatus.REFUSED,
    ABANDONED: PaymentStatus.CANCELLED,
    CANCELLED: PaymentStatus.CANCELLED,
    EXPIRED: PaymentStatus.EXPIRED,
    INITIAL: PaymentStatus.PENDING,
    WAITING_AUTHORISATION: PaymentStatus.PENDING,
    WAITING_AUTHORISATION_TO_VALIDATE: PaymentStatus.PENDING,
    UNDER_VERIFICATION: PaymentStatus.PENDING,
    PRE_AUTHORISED: PaymentStatus.PENDING,
    WAITING_FOR_PAYMENT: PaymentStatus.PENDING,
    CAPTURE_FAILED: PaymentStatus.AUTHORIZED,
    SUSPENDED: PaymentStatus.AUTHORIZED,
  };
  it('lists exactly the statuses GATEWAYS.md lists', () => assert.deepEqual(Object.keys(LYRA_STATUSES).sort(), Object.keys(expected).sort()));
  for (const [code, status] of Object.entries(expected)) {
    it(`${code} is ${status}${code === 'CAPTURE_FAILED' || code === 'SUSPENDED' ? ', with an anomaly for the shop' : ''}`, () => {
      // A never-authorised transaction carries no auth result; the others carry 00.
      const authResult = ['REFUSED', 'NOT_CREATED', 'ABANDONED', 'EXPIRED'].includes(code) || status === PaymentStatus.PENDING ? '' : '00';
      const e = gateway.parseNotification(ipn({ vads_trans_status: code, vads_auth_result: authResult }))!;
      assert.equal(e.status, status);
      assert.equal(Boolean(e.anomaly), code === 'CAPTURE_FAILED' || code === 'SUSPENDED');
    });
  }
  it('an unknown status is a malformed message', () => assert.throws(() => gateway.parseNotification(ipn({ vads_trans_status: 'PAID_SOMEHOW' })), MalformedNotificationError));
  it('an authorisation that lapsed (EXPIRED after auth result 00) is released like a void', () => {
    const e = gateway.parseNotification(ipn({ vads_trans_status: 'EXPIRED', vads_auth_result: '00' }))!;
    assert.equal(e.status, PaymentStatus.CANCELLED);
    assert.equal(e.amountAuthorized, 2500);
  });
});

describe('Lyra currencies', () => {
  const pairs: [string, string][] = [['EUR', '978'], ['USD', '840'], ['GBP', '826'], ['DKK', '208'], ['SEK', '752'], ['NOK', '578'], ['CHF', '756'], ['JPY', '392']];
  for (const [alpha, numeric] of pairs) {
    it(`${alpha} <-> ${numeric}`, () => {
      assert.equal(numericCurrency(alpha), numeric);
      assert.equal(alphaCurrency(numeric), alpha);
    });
  }
  it('an unknown numeric code is a malformed message', () => assert.throws(() => gateway.parseNotification(ipn({ vads_currency: '999' })), MalformedNotificationError));
  it('amounts pass through in minor units, JPY in whole yen', () => {
    const e = gateway.parseNotification(ipn({ vads_currency: '392', vads_amount: '1500' }))!;
    assert.equal(e.currency, 'JPY');
    assert.equal(e.amountAuthorized, 1500);
  });
});

describe('Lyra form IPN to payment state', () => {
  it('reads the payment, with our reference as both reference and Lyra id', () => {
    const e = gateway.parseNotification(ipn())!;
    assert.deepEqual([e.reference, e.gatewayPaymentId, e.currency, e.amountAuthorized, e.testMode], ['LREF1', 'LREF1', 'EUR', 2500, true]);
  });
  it('orders one transaction\'s messages by its life, and a later attempt after all of them', () => {
    const seq = (status: string, date = '20250301120000') => gateway.parseNotification(ipn({ vads_trans_status: status, vads_trans_date: date }))!.sequence;
    assert.ok(seq('WAITING_AUTHORISATION') < seq('AUTHORISED_TO_VALIDATE'));
    assert.ok(seq('AUTHORISED_TO_VALIDATE') < seq('AUTHORISED'));
    assert.ok(seq('AUTHORISED') < seq('CAPTURE_FAILED'));
    assert.ok(seq('CAPTURE_FAILED') < seq('CAPTURED'));
    assert.ok(seq('REFUSED') < seq('AUTHORISED'));
    assert.ok(seq('CAPTURED') < seq('REFUSED', '20250301120001'), 'a later transaction of the order is newer');
    assert.ok(Number.isSafeInteger(seq('CAPTURED', '20991231235959')));
  });
  it('a captured IPN reports the capture for the ledger; a validated one shows it pending', () => {
    const captured = gateway.parseNotification(ipn({ vads_trans_status: 'CAPTURED' }))!;
    assert.equal(captured.amountCaptured, 2500);
    assert.deepEqual(captured.operations?.map((o) => `${o.kind} ${o.amount} ${o.outcome}`), [`${OperationKind.CAPTURE} 2500 SUCCEEDED`]);
    const validated = gateway.parseNotification(ipn({ vads_trans_status: 'AUTHORISED' }))!;
    assert.deepEqual(validated.operations?.map((o) => o.outcome), ['PENDING']);
  });
  it('a refund IPN (CREDIT) alone says nothing of the payment: a claim about the order, to be confirmed by asking Lyra', () => {
    const claim = gateway.parseNotification(ipn({ vads_operation_type: 'CREDIT', vads_trans_status: 'CAPTURED' }))!;
    assert.deepEqual([claim.reference, claim.gatewayPaymentId, claim.confirmBeforeApplying], ['LREF1', 'LREF1', true]);
  });
  it('a bad date, amount or missing order id is malformed', () => {
    for (const bad of [{ vads_trans_date: '20251301120000' }, { vads_amount: '-1' }, { vads_amount: '12.5' }, { vads_order_id: '' }, { vads_operation_type: 'DEBITX' }] as Record<string, string>[]) {
      assert.throws(() => gateway.parseNotification(ipn(bad)), MalformedNotificationError, JSON.stringify(bad));
    }
  });
  it('peeks the reference of a message it refused', () => assert.equal(gateway.peekReference(ipn()), 'LREF1'));
});

describe('Lyra signed browser return', () => {
  const params = (extra: Record<string, string> = {}) => Object.fromEntries(new URLSearchParams(ipn(extra).toString()));
  it('verified when signed, forged when not, unsigned without a signature', async () => {
    const ok = await gateway.verifyReturn(params({ vads_trans_status: 'AUTHORISED_TO_VALIDATE' }));
    assert.equal(ok.kind, 'verified');
    assert.equal(ok.kind === 'verified' && ok.event.status, PaymentStatus.AUTHORIZED);
    assert.equal((await gateway.verifyReturn({ ...params(), vads_amount: '1' })).kind, 'forged');
    assert.equal((await gateway.verifyReturn({ orderId: 'x' })).kind, 'unsigned');
  });
});

describe('Lyra payment form', () => {
  const input: PaymentRequestInput = {
    payment: { reference: gateway.newPaymentReference(), gatewayPaymentId: null, gatewayData: {} },
    amount: 1999,
    currency: 'EUR',
    terms: { drawMethod: DrawMethod.AUTHORIZE, gatewayFeeAllowed: false, lockedTo: null },
    continueUrl: 'https://shop.test/done?o=1&outcome=success',
    cancelUrl: 'https://shop.test/done?o=1&outcome=cancel',
    callbackUrl: 'https://svc.test/callbacks/lyra',
    language: 'fr',
    idempotencyKey: 'payment:1',
  };
  it('is signed, manual validation, and names our reference, the amount and the numeric currency', () => {
    const r = gateway.buildPaymentRequest(input);
    assert.equal(r.method, 'POST');
    assert.ok(verifyForm(r.fields, KEY, 'HMAC_SHA256'));
    assert.match(input.payment.reference, /^[A-Za-z0-9_-]{1,64}$/);
    const f = r.fields;
    assert.deepEqual([f.vads_order_id, f.vads_amount, f.vads_currency, f.vads_validation_mode, f.vads_action_mode, f.vads_page_action, f.vads_payment_config, f.vads_version, f.vads_url_check], [input.payment.reference, '1999', '978', '1', 'INTERACTIVE', 'PAYMENT', 'SINGLE', 'V2', input.callbackUrl]);
    assert.match(f.vads_trans_id, /^\d{6}$/);
    assert.match(f.vads_trans_date, /^\d{14}$/);
  });
  it('gives each form of the day its own transaction id', () => {
    const ids = new Set(Array.from({ length: 50 }, () => gateway.buildPaymentRequest(input).fields.vads_trans_id));
    assert.equal(ids.size, 50);
  });
  it('refuses a currency it cannot name numerically', () => assert.throws(() => gateway.buildPaymentRequest({ ...input, currency: 'XAU' }), GatewayApiError));
});

describe('Lyra answers', () => {
  it('plain text, no HTML, at most 512 characters, 200 unless a resend could help or the message is refused', () => {
    for (const outcome of Object.values(NotificationOutcome)) {
      const a = gateway.answer(outcome);
      assert.match(a.contentType, /^text\/plain/);
      assert.ok(a.body.length <= 512 && !/[<>]/.test(a.body));
      const success = [NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE, NotificationOutcome.IGNORED, NotificationOutcome.FAILED].includes(outcome);
      assert.equal(a.status === 200, success, outcome);
      if (outcome === NotificationOutcome.RETRY_LATER) assert.ok(a.status >= 500);
    }
  });
});

describe('Lyra configuration', () => {
  it('is offered only with the site id and the key of its mode', () => {
    assert.equal(readLyraConfig({ LYRA_SITE_ID: '12345678' }).config, null);
    assert.equal(readLyraConfig({ LYRA_SITE_ID: '12345678', LYRA_KEY_PRODUCTION: 'k' }).config, null, 'TEST mode needs the TEST key');
    assert.ok(readLyraConfig({ LYRA_SITE_ID: '12345678', LYRA_KEY_PRODUCTION: 'k', LYRA_CTX_MODE: 'PRODUCTION' }).config);
    assert.match(readLyraConfig({ LYRA_SITE_ID: '1234', LYRA_KEY_TEST: 'k' }).problems.join(), /8 digits/);
    assert.match(readLyraConfig({ LYRA_SITE_ID: '12345678', LYRA_KEY_TEST: 'k', LYRA_ALLOWED_SOURCES: 'nope' }).problems.join(), /LYRA_ALLOWED_SOURCES/);
  });
  it("allows Lyra's published addresses by default, and says so", () => {
    const c = readLyraConfig({ LYRA_SITE_ID: '12345678', LYRA_KEY_TEST: 'S3CR3TKEY' }).config!;
    assert.deepEqual(c.allowedSources, ['194.50.38.0/24']);
    assert.ok(lyraWarnings(c).some((w) => /LYRA_ALLOWED_SOURCES/.test(w)));
    assert.ok(lyraWarnings(c).every((w) => !w.includes('S3CR3TKEY')), 'no key in a warning');
  });
});

describe('Lyra REST API', () => {
  const order = (status: string) => ({
    orderDetails: { orderId: 'LREF1', mode: 'TEST' },
    transactions: [{ uuid: 'u1', shopId: '12345678', amount: 2500, currency: 'EUR', detailedStatus: status, operationType: 'DEBIT', creationDate: '2025-03-01T12:00:00+00:00', transactionDetails: { cardDetails: { authorizationResponse: { amount: 2500, authorizationResult: '0' } } } }],
  });
  const fake = (answers: Record<string, unknown>, calls: string[] = []) =>
    (async (url: string | URL | Request, init?: RequestInit) => {
      const service = String(url).split('/V4/')[1];
      calls.push(`${service} ${init?.body}`);
      const a = answers[service];
      if (a instanceof Error) throw a;
      return new Response(JSON.stringify(a ?? { status: 'ERROR', answer: { errorCode: 'INT_999' } }), { status: 200 });
    }) as typeof fetch;
  const payment = { reference: 'LREF1', gatewayPaymentId: 'LREF1', gatewayData: {} };

  it('asks Order/Get and reads the order', async () => {
    const calls: string[] = [];
    const g = new LyraGateway(config, fake({ 'Order/Get': { status: 'SUCCESS', answer: order('AUTHORISED_TO_VALIDATE') } }, calls));
    const e = (await g.fetchPaymentStatus(payment))!;
    assert.equal(e.status, PaymentStatus.AUTHORIZED);
    assert.deepEqual(calls, ['Order/Get {"orderId":"LREF1"}']);
  });
  it('an unknown order is null', async () => {
    const g = new LyraGateway(config, fake({ 'Order/Get': { status: 'ERROR', answer: { errorCode: 'PSP_010' } } }));
    assert.equal(await g.fetchPaymentStatus(payment), null);
  });
  it('a capture validates the transaction; a refusal is a 4xx-like GatewayApiError, a technical error or no answer is unknown', async () => {
    const calls: string[] = [];
    const g = new LyraGateway(config, fake({ 'Order/Get': { status: 'SUCCESS', answer: order('AUTHORISED_TO_VALIDATE') }, 'Transaction/Validate': { status: 'SUCCESS', answer: {} } }, calls));
    await g.capture(payment, 2500, { idempotencyKey: 'k' });
    assert.deepEqual(calls.map((c) => c.split(' ')[0]), ['Order/Get', 'Transaction/Validate', 'Order/Get']);

    const refused = new LyraGateway(config, fake({ 'Order/Get': { status: 'SUCCESS', answer: order('AUTHORISED_TO_VALIDATE') }, 'Transaction/Validate': { status: 'ERROR', answer: { errorCode: 'PSP_100', errorMessage: 'no' } } }));
    await assert.rejects(refused.capture(payment, 2500, { idempotencyKey: 'k' }), (e: GatewayApiError) => e.status! >= 400 && e.status! < 500);
    const technical = new LyraGateway(config, fake({ 'Order/Get': { status: 'SUCCESS', answer: order('AUTHORISED_TO_VALIDATE') }, 'Transaction/Validate': { status: 'ERROR', answer: { errorCode: 'PSP_999' } } }));
    await assert.rejects(technical.capture(payment, 2500, { idempotencyKey: 'k' }), (e: GatewayApiError) => e.status! >= 500);
    const gone = new LyraGateway(config, fake({ 'Order/Get': { status: 'SUCCESS', answer: order('AUTHORISED_TO_VALIDATE') }, 'Transaction/Validate': new TypeError('fetch failed') }));
    await assert.rejects(gone.capture(payment, 2500, { idempotencyKey: 'k' }), (e: GatewayApiError) => e.status === undefined);
  });
  it('a partial capture updates the amount and validates at once; a refund of an uncaptured payment is refused without asking', async () => {
    const calls: string[] = [];
    const g = new LyraGateway(config, fake({ 'Order/Get': { status: 'SUCCESS', answer: order('AUTHORISED_TO_VALIDATE') }, 'Transaction/Update': { status: 'SUCCESS', answer: {} } }, calls));
    await g.capture(payment, 1000, { idempotencyKey: 'k' });
    assert.match(calls[1], /^Transaction\/Update .*"amount":1000.*"manualValidation":"NO"/);
    await assert.rejects(g.refund(payment, 100, { idempotencyKey: 'k' }), (e: GatewayApiError) => e.status === 422);
  });
});
