/**
 * Signed QuickPay v10 callback bodies for the bench: the whole payment resource as QuickPay posts it (not just the
 * fields the adapter reads), so parsing, hashing and storing cost what they cost in production.
 */
import { QuickPayPaymentSchema, toPaymentStateEvent } from '../src/gateways/quickpay/quickpay.payment.js';
import { signCallbackBody } from '../src/gateways/quickpay/quickpay.signing.js';

/** A payment the load can talk about: our reference (QuickPay's `order_id`) and the order total in minor units. */
export interface BenchPayment {
  reference: string;
  amount: number;
}

/** The operations a bench callback reports, in order; each later one includes the earlier ones, as QuickPay does. */
export type BenchOperation = 'authorize' | 'capture' | 'refund';

/** One request ready to send: the exact bytes and their `QuickPay-Checksum-Sha256`. */
export interface SignedCallback {
  body: string;
  checksum: string;
}

export const CURRENCY = 'DKK';
/** QuickPay payment ids are large integers; offsetting keeps them realistic and distinct per bench payment. */
const QUICKPAY_ID_BASE = 400_000_000;
/** A fixed clock, so a body is a pure function of its inputs and an exact duplicate is byte-identical. */
const EPOCH_MS = Date.UTC(2026, 10, 21, 9, 0, 0);

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

/**
 * The payment resource after the first `steps` operations of authorize -> capture -> refund (all approved, full
 * amount). `index` is the payment's position in the bench list; it picks the QuickPay id and timestamps.
 */
export function paymentResource(payment: BenchPayment, index: number, steps: number): Record<string, unknown> {
  const created = EPOCH_MS + index * 1000;
  const kinds: BenchOperation[] = (['authorize', 'capture', 'refund'] as const).slice(0, steps);
  const operations = kinds.map((type, i) => ({
    id: i + 1,
    type,
    amount: payment.amount,
    pending: false,
    qp_status_code: '20000',
    qp_status_msg: 'Approved',
    aq_status_code: '20000',
    aq_status_msg: 'Approved',
    data: {},
    callback_url: 'https://shop.example/callbacks/quickpay',
    callback_success: null,
    callback_response_code: null,
    callback_duration: null,
    acquirer: 'clearhaus',
    '3d_secure_status': i === 0 ? 'Y' : null,
    callback_at: null,
    created_at: iso(created + (i + 1) * 60_000),
  }));
  const captured = kinds.includes('capture') ? payment.amount : 0;
  const refunded = kinds.includes('refund') ? payment.amount : 0;
  return {
    id: QUICKPAY_ID_BASE + index,
    ulid: null,
    merchant_id: 1234,
    order_id: payment.reference,
    accepted: true,
    type: 'Payment',
    text_on_statement: null,
    branding_id: null,
    variables: {},
    currency: CURRENCY,
    state: steps >= 2 ? 'processed' : 'new',
    metadata: {
      type: 'card',
      origin: 'form',
      brand: 'visa',
      bin: '454545',
      corporate: false,
      last4: String(1000 + (index % 9000)),
      exp_month: 12,
      exp_year: 2030,
      country: 'DNK',
      is_3d_secure: true,
      '3d_secure_type': '3ds2',
      issued_to: null,
      hash: `bench${index.toString(16).padStart(10, '0')}`,
      moto: false,
      number: null,
      customer_ip: '192.0.2.10',
      customer_country: 'DK',
      fraud_suspected: false,
      fraud_remarks: [],
      fraud_reported: false,
      nin_number: null,
      nin_country_code: null,
      nin_gender: null,
      shopsystem_name: null,
      shopsystem_version: null,
    },
    link: {
      url: `https://payment.quickpay.net/payments/bench${index}`,
      agreement_id: 5678,
      language: 'en',
      amount: payment.amount,
      continue_url: 'https://shop.example/shop/confirmation.html?outcome=success',
      cancel_url: 'https://shop.example/shop/confirmation.html?outcome=cancel',
      callback_url: 'https://shop.example/callbacks/quickpay',
      payment_methods: null,
      auto_capture: false,
      auto_fee: null,
    },
    shipping_address: null,
    invoice_address: null,
    basket: [],
    shipping: null,
    operations,
    test_mode: false,
    acquirer: 'clearhaus',
    facilitator: null,
    created_at: iso(created),
    updated_at: iso(created + steps * 60_000),
    retented_at: null,
    balance: captured - refunded,
    fee: null,
    deadline_at: null,
    description: null,
  };
}

/** Serialises and signs a payment resource with the account's private key, exactly as QuickPay would. */
export function signedCallback(resource: Record<string, unknown>, privateKey: string): SignedCallback {
  const body = JSON.stringify(resource);
  return { body, checksum: signCallbackBody(body, privateKey) };
}

/**
 * Checks, before any load, that the bench's bodies still read as the adapter reads them (authorize -> AUTHORIZED,
 * capture -> CAPTURED, refund -> REFUNDED, for the full amount): if the schema moves on, the bench says so instead
 * of quietly measuring 400 answers.
 */
export function checkBodiesMatchAdapter(): void {
  const payment: BenchPayment = { reference: 'RBENCHSELFCHECK01', amount: 12_345 };
  for (const [steps, status] of [[1, 'AUTHORIZED'], [2, 'CAPTURED'], [3, 'REFUNDED']] as const) {
    const event = toPaymentStateEvent(QuickPayPaymentSchema.parse(JSON.parse(signedCallback(paymentResource(payment, 0, steps), 'k').body)));
    if (event?.status !== status || event.amountAuthorized !== payment.amount || event.reference !== payment.reference) {
      throw new Error(`bench callback bodies no longer match the QuickPay adapter: ${steps} operation(s) read as ${JSON.stringify(event)}`);
    }
  }
}
