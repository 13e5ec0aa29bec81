/**
 * Fills a running service with orders waiting for payment, through its own services (catalogue, cart, checkout),
 * so the rows the callbacks hit are exactly what a real shop would have.
 */
import { GatewayName } from '../src/gateways/gateway.js';
import type { Services } from '../src/app/services.js';
import { CURRENCY, type BenchPayment } from './callback-bodies.js';

/** A seeded order: its payment, and what its confirmation page needs to watch it. */
export interface SeededOrder extends BenchPayment {
  orderId: string;
  accessToken: string;
}

/** Products in the bench catalogue: `BENCH-0` … `BENCH-19`, with stock that never runs out. */
export const PRODUCTS = 20;
/** Checkouts in flight at once: enough to overlap PostgreSQL round trips, few enough not to fight over SQLite's lock. */
const PARALLEL = 8;

/** The bench catalogue (see {@link PRODUCTS}), through the catalogue service. */
/** What the benches check out with. */
export const BENCH_PAYMENT_METHOD = { code: 'card', name: 'Card', gateway: GatewayName.QUICKPAY } as const;

export async function seedProducts(services: Services): Promise<void> {
  await services.paymentMethods.ensure(BENCH_PAYMENT_METHOD);
  for (let i = 0; i < PRODUCTS; i++) {
    await services.products.upsert({ sku: `BENCH-${i}`, name: `Bench product ${i}`, unitPrice: 4_900 + i * 1_250, currency: CURRENCY, stockOnHand: 1_000_000 });
  }
}

/**
 * Places up to `count` orders (one product line each, varied prices and quantities) and returns their payments,
 * in placing order. Stops early once `budgetMs` has passed: seeding goes at the speed of the service's own
 * transactions, so a slow machine seeds fewer orders but also answers fewer callbacks in the measured window.
 */
export async function seedOrders(services: Services, count: number, budgetMs = Infinity): Promise<SeededOrder[]> {
  const deadline = performance.now() + budgetMs;
  await seedProducts(services);
  const payments: SeededOrder[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count && performance.now() < deadline; i = next++) {
      const cart = await services.carts.create(CURRENCY);
      await services.carts.addLine(cart.id, `BENCH-${i % PRODUCTS}`, 1 + (i % 3));
      const placed = await services.checkout.checkout({ cartId: cart.id, paymentMethod: 'card', idempotencyKey: `bench-checkout-${i}` });
      payments[i] = { reference: placed.payment.reference, amount: placed.order.total, orderId: placed.order.id, accessToken: placed.order.accessToken };
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  // Workers finish out of order; a stopped worker can leave a hole, so keep only the placed ones.
  return payments.filter(Boolean);
}
