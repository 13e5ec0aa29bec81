/**
 * One storefront checkout flow, step by step, as a shop runs it: a cart, one line, a custom field, checkout (with the
 * customer's e-mail), the shopper's redirect back, and QuickPay's signed callback that authorises the payment and
 * makes the order READY. Shared by the flow bench's load process and its statement count.
 */
import { paymentResource, signedCallback, CURRENCY } from './callback-bodies.js';
import { flowOperations } from './flow-operations.js';
import { BENCH_PAYMENT_METHOD, PRODUCTS } from './seed-orders.js';
import type { StorefrontClient } from './storefront-client.js';

export const FLOW_STEPS = ['createCart', 'addCartLine', 'setCartCustomField', 'checkout', 'redirect', 'callback'] as const;
export type FlowStep = (typeof FLOW_STEPS)[number];

/** An order placed up to the gateway: what its confirmation page and QuickPay's callback need. */
export interface PlacedOrder {
  orderId: string;
  accessToken: string;
  reference: string;
  total: number;
}

const OPERATIONS = flowOperations();

/** Runs one step's `work` and returns its result; the load process times each step this way, the statement count counts it. */
export type StepRunner = <T>(step: FlowStep, work: () => Promise<T>) => Promise<T>;
const untimed: StepRunner = (_step, work) => work();

/** The storefront part: cart -> line -> custom field -> checkout -> redirect. `n` picks the product and quantity. */
export async function placeOrder(client: StorefrontClient, n: number, tag: string, step: StepRunner = untimed): Promise<PlacedOrder> {
  const { createCart: cart } = await step('createCart', () => client.gql<{ createCart: { id: string } }>(OPERATIONS.BenchCreateCart, { currency: CURRENCY }));
  await step('addCartLine', () => client.gql(OPERATIONS.BenchAddCartLine, { cartId: cart.id, sku: `BENCH-${n % PRODUCTS}`, quantity: 1 + (n % 3) }));
  await step('setCartCustomField', () => client.gql(OPERATIONS.BenchSetCartCustomField, { cartId: cart.id, key: 'giftNote', value: `Bench flow ${n}` }));
  const { checkout } = await step('checkout', () =>
    client.gql<{ checkout: { accessToken: string; order: { id: string; total: number; payment: { reference: string } } } }>(OPERATIONS.BenchCheckout, {
      input: { cartId: cart.id, paymentMethod: BENCH_PAYMENT_METHOD.code, idempotencyKey: `bench-${tag}-${n}`, email: `guest-${tag}-${n}@bench.test` },
    }),
  );
  const placed = { orderId: checkout.order.id, accessToken: checkout.accessToken, reference: checkout.order.payment.reference, total: checkout.order.total };
  const redirect = await step('redirect', () =>
    client.gql<{ reportRedirectOutcome: { order: { status: string } } }>(OPERATIONS.BenchReportRedirectOutcome, { orderId: placed.orderId }, placed.accessToken),
  );
  if (redirect.reportRedirectOutcome.order.status !== 'PENDING_PAYMENT') throw new Error(`after the redirect the order is ${redirect.reportRedirectOutcome.order.status}`);
  return placed;
}

/**
 * QuickPay's callback for `order`: a signed, approved authorisation of its total. `index` gives the QuickPay payment
 * its id; it must differ between orders of one run.
 */
export async function confirmPayment(client: StorefrontClient, order: PlacedOrder, index: number, privateKey: string, step: StepRunner = untimed): Promise<void> {
  const { body, checksum } = signedCallback(paymentResource({ reference: order.reference, amount: order.total }, index, 1), privateKey);
  const answer = await step('callback', () => client.callback(body, checksum));
  if (answer !== 'ACCEPTED') throw new Error(`callback answered ${answer}`);
}

/** The order as its confirmation page reads it: READY once the flow is done. */
export async function orderStatus(client: StorefrontClient, order: PlacedOrder): Promise<string> {
  const { order: read } = await client.gql<{ order: { status: string } }>(OPERATIONS.BenchOrder, { id: order.orderId }, order.accessToken);
  return read.status;
}
