/**
 * The Stripe adapter's reading of Stripe: PaymentIntent status to ours, the sequence that orders snapshots, which
 * events concern a payment of ours, the event id as the message's identity, the configuration section, and the
 * requests it sends (form notation, idempotency key, API version, no secret in errors).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrawMethod, GatewayApiError, MalformedNotificationError, OperationKind, type PaymentRequestInput } from '../../src/gateways/gateway.js';
import { StripeGateway } from '../../src/gateways/stripe/stripe.adapter.js';
import { readStripeConfig, stripeWarnings } from '../../src/gateways/stripe/stripe.config.js';
import { decodeForm, encodeForm } from '../../src/gateways/stripe/stripe.form.js';
import { mapStatus, snapshotSequence, StripePaymentIntentSchema, toPaymentStateEvent } from '../../src/gateways/stripe/stripe.payment-intent.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';

const ENV = { STRIPE_API_KEY: 'sk_test_secretkey', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
const config = readStripeConfig(ENV).config!;

const charge = (extra: Record<string, unknown> = {}) => ({ id: 'ch_1', object: 'charge', amount: 1000, amount_captured: 0, amount_refunded: 0, captured: false, status: 'succeeded', refunds: { data: [], has_more: false }, ...extra });
const pi = (status: string, extra: Record<string, unknown> = {}) =>
  StripePaymentIntentSchema.parse({ id: 'pi_1', object: 'payment_intent', amount: 1000, amount_received: 0, currency: 'dkk', status, livemode: false, metadata: { reference: 'S1' }, latest_charge: null, ...extra });
const captured = (refunded = 0, refunds: unknown[] = []) =>
  pi('succeeded', { amount_received: 1000, latest_charge: charge({ captured: true, amount_captured: 1000, amount_refunded: refunded, refunds: { data: refunds, has_more: false } }) });

describe('Stripe PaymentIntent to payment status', () => {
  const cases: [string, ReturnType<typeof pi>, PaymentStatus][] = [
    ['a new PaymentIntent is pending', pi('requires_payment_method'), PaymentStatus.PENDING],
    ['3-D Secure is pending', pi('requires_action'), PaymentStatus.PENDING],
    ['processing is pending', pi('processing'), PaymentStatus.PENDING],
    ['requires_payment_method after a failed attempt is refused', pi('requires_payment_method', { last_payment_error: { code: 'card_declined' } }), PaymentStatus.REFUSED],
    ['requires_capture is authorised', pi('requires_capture', { amount_capturable: 1000, latest_charge: charge() }), PaymentStatus.AUTHORIZED],
    ['succeeded is captured', captured(), PaymentStatus.CAPTURED],
    ['succeeded with money refunded is refunded', captured(400, [{ id: 're_1', amount: 400, status: 'succeeded' }]), PaymentStatus.REFUNDED],
    ['canceled is cancelled', pi('canceled'), PaymentStatus.CANCELLED],
    ['an unknown status is pending', pi('something_new'), PaymentStatus.PENDING],
  ];
  for (const [name, intent, status] of cases) it(name, () => assert.equal(mapStatus(intent), status));

  it('reads amounts, currency (upper case), test mode and operations', () => {
    const e = toPaymentStateEvent(captured(400, [{ id: 're_1', amount: 400, status: 'succeeded' }, { id: 're_2', amount: 100, status: 'pending' }]))!;
    assert.deepEqual(
      { ref: e.reference, id: e.gatewayPaymentId, cur: e.currency, a: e.amountAuthorized, c: e.amountCaptured, r: e.amountRefunded, test: e.testMode },
      { ref: 'S1', id: 'pi_1', cur: 'DKK', a: 1000, c: 1000, r: 400, test: true },
    );
    assert.deepEqual(e.operations?.map((o) => [o.gatewayOperationId, o.kind, o.amount, o.outcome]), [
      ['ch_1', OperationKind.CAPTURE, 1000, 'SUCCEEDED'],
      ['re_1', OperationKind.REFUND, 400, 'SUCCEEDED'],
      ['re_2', OperationKind.REFUND, 100, 'PENDING'],
    ]);
  });

  it('a void of an authorisation is a cancel of authorised money; a cancel before any payment is not', () => {
    const voided = toPaymentStateEvent(pi('canceled', { latest_charge: charge({ refunds: { data: [], has_more: false } }) }))!;
    assert.equal(voided.amountAuthorized, 1000);
    assert.deepEqual(voided.operations?.map((o) => o.kind), [OperationKind.CANCEL]);
    const abandoned = toPaymentStateEvent(pi('canceled'))!;
    assert.equal(abandoned.amountAuthorized, 0);
    assert.deepEqual(abandoned.operations, []);
  });

  it('reports totals only when the refunds are not all in the snapshot', () => {
    assert.equal(toPaymentStateEvent(pi('succeeded', { amount_received: 1000, latest_charge: 'ch_1' }))!.operations, undefined);
    const more = pi('succeeded', { amount_received: 1000, latest_charge: charge({ captured: true, amount_captured: 1000, refunds: { data: [], has_more: true } }) });
    assert.equal(toPaymentStateEvent(more)!.operations, undefined);
  });

  it('is null for a PaymentIntent without our reference', () => {
    assert.equal(toPaymentStateEvent(pi('succeeded', { metadata: {} })), null);
  });

  it('orders snapshots along the PaymentIntent’s life, and by money refunded within succeeded', () => {
    const life = [
      pi('requires_payment_method'),
      pi('processing'),
      pi('requires_payment_method', { last_payment_error: { code: 'card_declined' } }),
      pi('requires_capture', { amount_capturable: 1000, latest_charge: charge() }),
      captured(),
      captured(300),
      captured(1000),
    ].map(snapshotSequence);
    for (let i = 1; i < life.length; i++) assert.ok(life[i] > life[i - 1], `step ${i}: ${life[i - 1]} < ${life[i]}`);
    assert.ok(snapshotSequence(pi('canceled')) > snapshotSequence(pi('requires_capture')), 'a void is after the authorisation');
    assert.ok(Number.isSafeInteger(snapshotSequence(captured(1000))));
  });
});

describe('Stripe events', () => {
  const gateway = new StripeGateway(config, () => Promise.reject(new Error('no network')));
  const event = (object: Record<string, unknown>, type = 'payment_intent.succeeded') => Buffer.from(JSON.stringify({ id: 'evt_9', object: 'event', type, livemode: false, data: { object } }));

  it('uses the event id as the message id', () => {
    assert.equal(gateway.messageId(event({ id: 'pi_1', object: 'payment_intent', metadata: { reference: 'S1' } })), 'evt_9');
    assert.equal(gateway.messageId(Buffer.from('{"type":"x"}')), null);
    assert.equal(gateway.messageId(Buffer.from('not json')), null);
  });

  it('names the payment of a PaymentIntent, refund or Checkout Session event by our reference', () => {
    assert.equal(gateway.parseNotification(event({ id: 'pi_1', object: 'payment_intent', metadata: { reference: 'S1' } }))?.reference, 'S1');
    assert.equal(gateway.parseNotification(event({ id: 're_1', object: 'refund', payment_intent: 'pi_1', metadata: { reference: 'S1' } }, 'refund.created'))?.gatewayPaymentId, 'pi_1');
    assert.equal(gateway.parseNotification(event({ id: 'cs_1', object: 'checkout.session', payment_intent: 'pi_1', metadata: { reference: 'S1' } }, 'checkout.session.completed'))?.reference, 'S1');
  });

  it('ignores events about anything else, or without our reference, or without a PaymentIntent', () => {
    assert.equal(gateway.parseNotification(event({ id: 'cus_1', object: 'customer', metadata: { reference: 'S1' } }, 'customer.created')), null);
    assert.equal(gateway.parseNotification(event({ id: 'pi_1', object: 'payment_intent', metadata: {} })), null);
    assert.equal(gateway.parseNotification(event({ id: 'ch_1', object: 'charge', payment_intent: 'pi_1' }, 'charge.refunded')), null);
    assert.equal(gateway.parseNotification(event({ id: 'cs_1', object: 'checkout.session', payment_intent: null, metadata: { reference: 'S1' } }, 'checkout.session.expired')), null);
  });

  it('refuses a body that is not a Stripe event', () => {
    assert.throws(() => gateway.parseNotification(Buffer.from('{')), MalformedNotificationError);
    assert.throws(() => gateway.parseNotification(Buffer.from('{"id":"evt_1"}')), MalformedNotificationError);
  });

  it('says a return is unsigned', async () => {
    assert.deepEqual(await gateway.verifyReturn(), { kind: 'unsigned' });
  });
});

describe('Stripe configuration', () => {
  it('is offered only with both the API key and the webhook secret', () => {
    assert.equal(readStripeConfig({}).config, null);
    assert.equal(readStripeConfig({ STRIPE_API_KEY: 'sk_test_1' }).config, null);
    assert.equal(readStripeConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_1' }).config, null);
    assert.deepEqual(
      { url: config.apiUrl, tol: config.toleranceSeconds, sources: config.allowedSources, timeout: config.apiTimeoutMs },
      { url: 'https://api.stripe.com', tol: 300, sources: [], timeout: 10_000 },
    );
  });

  it('fails the start on a wrong value, and warns without naming a secret', () => {
    assert.ok(readStripeConfig({ ...ENV, STRIPE_ALLOWED_SOURCES: '10.0.0.0/99' }).problems.length > 0);
    assert.ok(readStripeConfig({ ...ENV, STRIPE_API_TIMEOUT_MS: 'soon' }).problems.length > 0);
    const warned = stripeWarnings(readStripeConfig({ STRIPE_API_KEY: 'pk_test_oops', STRIPE_WEBHOOK_SECRET: 'oops' }).config);
    assert.equal(warned.length, 2);
    assert.ok(!warned.join(' ').includes('pk_test_oops') && !warned.join(' ').includes('oops '), warned.join(' '));
    assert.deepEqual(stripeWarnings(config), []);
  });
});

describe('Stripe API requests', () => {
  const input: PaymentRequestInput = {
    payment: { reference: 'S1', gatewayPaymentId: null, gatewayData: {} },
    amount: 12345,
    currency: 'DKK',
    terms: { drawMethod: DrawMethod.AUTHORIZE, gatewayFeeAllowed: false, lockedTo: null },
    continueUrl: 'https://shop.test/ok',
    cancelUrl: 'https://shop.test/cancel',
    callbackUrl: 'https://svc.test/callbacks/stripe',
    language: 'da',
    description: 'Order 1',
    idempotencyKey: 'payment:abc',
  };

  it('encodes forms in Stripe’s bracket notation and reads them back', () => {
    const body = encodeForm({ a: 1, b: { c: 'x', d: [{ e: true }] }, skip: undefined, expand: ['p', 'q'] });
    assert.equal(decodeURIComponent(body), 'a=1&b[c]=x&b[d][0][e]=true&expand[0]=p&expand[1]=q');
    assert.deepEqual(decodeForm('a=1&b[c]=x&expand[]=p&expand[]=q&__proto__[x]=1'), { a: '1', b: { c: 'x' }, expand: ['p', 'q'] });
  });

  it('creates an authorise-only Checkout Session with our reference and the idempotency key', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const gateway = new StripeGateway(config, async (url, init) => {
      seen = { url: String(url), init: init! };
      return new Response(JSON.stringify({ id: 'cs_test_1', object: 'checkout.session', url: 'https://checkout.test/c/cs_test_1', payment_intent: null }), { status: 200 });
    });
    const created = await gateway.createPayment(input);
    assert.deepEqual(created, { gatewayPaymentId: null, gatewayData: { sessionId: 'cs_test_1', url: 'https://checkout.test/c/cs_test_1' } });
    const headers = seen!.init.headers as Record<string, string>;
    assert.equal(seen!.url, 'https://api.stripe.com/v1/checkout/sessions');
    assert.equal(headers['Idempotency-Key'], 'payment:abc');
    assert.equal(headers.Authorization, 'Bearer sk_test_secretkey');
    assert.ok(headers['Stripe-Version']);
    const form = decodeForm(String(seen!.init.body));
    assert.deepEqual(
      [form.mode, form.success_url, form.cancel_url, form.locale, (form.payment_intent_data as Record<string, unknown>).capture_method, (form.payment_intent_data as { metadata: { reference: string } }).metadata.reference],
      ['payment', 'https://shop.test/ok', 'https://shop.test/cancel', 'da', 'manual', 'S1'],
    );
    assert.deepEqual((form.line_items as Record<string, { price_data: { currency: string; unit_amount: string } }>)['0'].price_data.currency, 'dkk');
    assert.deepEqual(gateway.buildPaymentRequest({ ...input, payment: { ...input.payment, gatewayData: created.gatewayData } }), { method: 'GET', url: 'https://checkout.test/c/cs_test_1', fields: {} });
  });

  it('maps Stripe’s answers onto the seam’s errors, without the key', async () => {
    const answering = (status: number, body: unknown) => new StripeGateway(config, async () => new Response(JSON.stringify(body), { status }));
    const refused = await answering(400, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_secretkey' } }).createPayment(input).catch((e: unknown) => e);
    assert.ok(refused instanceof GatewayApiError && refused.status === 400, String(refused));
    assert.ok(!(refused as Error).message.includes('sk_test_secretkey'), (refused as Error).message);
    const down = await answering(503, {}).createPayment(input).catch((e: unknown) => e);
    assert.equal((down as GatewayApiError).status, 503);
    const unreachable = await new StripeGateway(config, () => Promise.reject(new TypeError('fetch failed'))).createPayment(input).catch((e: unknown) => e);
    assert.ok(unreachable instanceof GatewayApiError && unreachable.status === undefined);
  });

  it('refuses to act on a payment whose PaymentIntent it does not know, without calling Stripe', async () => {
    const gateway = new StripeGateway(config, () => assert.fail('no call'));
    const e = await gateway.capture({ reference: 'S1', gatewayPaymentId: null, gatewayData: {} }, 100, { idempotencyKey: 'k' }).catch((x: unknown) => x);
    assert.ok(e instanceof GatewayApiError && e.status === 409);
  });
});
