/**
 * `npm run bench:graphql`: what the limits at the door (src/graphql/operation-limits.ts, input-guard.ts) cost the
 * project's normal operations, with and without them, measured in the same run. Prints numbers; asserts nothing.
 *
 * The operations are the demo storefront's (src/demo/public/operations.graphql, all but the subscription), the
 * back office's order page (test/operations/order.graphql, `Order`, with its audit trail) and the standard
 * introspection query, run with the back-office key against the real schema and the real services on a scratch
 * SQLite database. Three measurements per operation, each taken in alternating slices (without, with, without,
 * with…) so that drift on a shared machine falls on both sides alike:
 *
 * - parse + validate: the work Apollo does once per distinct query text (it keeps validated documents);
 * - uncached request: parse + validate + execute, as for a query text the server has not seen before;
 * - cached request: execute only (with the per-request introspection check and the argument guard), as for a
 *   repeated query.
 *
 * Settings (environment): BENCH_GRAPHQL_ROUNDS (slices per side, default 5), BENCH_GRAPHQL_SLICE_MS (default 200).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { execute, getIntrospectionQuery, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { bootstrap } from '../src/app/bootstrap.js';
import { BENCH_PAYMENT_METHOD } from './seed-orders.js';
import type { Services } from '../src/app/services.js';
import { DatabaseKind, loadConfig } from '../src/config/config.js';
import { createScratchDatabase } from '../src/db/scratch-database.js';
import type { GraphQLContext } from '../src/graphql/context.type.js';
import { OperationLimits } from '../src/graphql/operation-limits.js';
import { buildAppSchema } from '../src/graphql/schema.js';
import { OrderAccess } from '../src/modules/access/order-access.js';
import { intEnv } from './bench-settings.js';

const ROUNDS = intEnv('BENCH_GRAPHQL_ROUNDS', 5);
const SLICE_MS = intEnv('BENCH_GRAPHQL_SLICE_MS', 200);
const ADMIN_KEY = 'bench-admin-key-0123456789';

const log = (s: string) => console.log(s);

/** One operation of the storefront or back office, with what it needs to run. */
interface BenchOperation {
  name: string;
  text: string;
  variables: Record<string, unknown>;
  access: OrderAccess;
}

/** Splits a file of operations into one document text per operation, each with the fragments it spreads. */
function operationsOf(file: string, keep: (name: string) => boolean): { name: string; text: string }[] {
  const source = readFileSync(file, 'utf8');
  const document = parse(source);
  const fragments = document.definitions.filter((d) => d.kind === 'FragmentDefinition').map((d) => source.slice(d.loc!.start, d.loc!.end));
  return document.definitions.flatMap((d) => {
    if (d.kind !== 'OperationDefinition' || !d.name || !keep(d.name.value)) return [];
    const text = source.slice(d.loc!.start, d.loc!.end);
    // Only the fragments this operation spreads (graphql-js refuses unused ones).
    const used = fragments.filter((f) => new RegExp(`\\.\\.\\.${/fragment (\w+)/.exec(f)![1]}\\b`).test(text));
    return [{ name: d.name.value, text: [text, ...used].join('\n') }];
  });
}

/** A shop to run the operations against: a catalogue, an open cart, and a placed order with its token. */
async function seed(services: Services): Promise<{ cartId: string; checkedOutCartId: string; orderId: string; token: string }> {
  await services.paymentMethods.ensure(BENCH_PAYMENT_METHOD);
  for (const [i, name] of ['Earl Grey', 'Blue mug', 'Teapot'].entries()) {
    await services.products.upsert({ sku: `SKU-${i}`, name, unitPrice: 4_500 + i * 1_000, currency: 'DKK', stockOnHand: 1_000_000 });
  }
  const cart = await services.carts.create('DKK');
  await services.carts.addLine(cart.id, 'SKU-0', 2);
  await services.carts.setCustomField(cart.id, 'giftNote', 'Happy birthday');
  const other = await services.carts.create('DKK');
  await services.carts.addLine(other.id, 'SKU-1', 1);
  const placed = await services.checkout.checkout({ cartId: other.id, paymentMethod: 'card', idempotencyKey: 'bench-graphql-1' });
  return { cartId: cart.id, checkedOutCartId: other.id, orderId: placed.order.id, token: placed.accessToken };
}

/** Calls `run` in slices of SLICE_MS, alternating `without` and `with`, and returns microseconds per call of each. */
async function compare(without: () => unknown, withLimits: () => unknown): Promise<{ without: number; with: number }> {
  const spent = { without: 0, with: 0 };
  const calls = { without: 0, with: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of ['without', 'with'] as const) {
      const run = side === 'without' ? without : withLimits;
      const start = performance.now();
      let now = start;
      while (now - start < SLICE_MS) {
        await run();
        calls[side]++;
        now = performance.now();
      }
      spent[side] += now - start;
    }
  }
  return { without: (spent.without / calls.without) * 1000, with: (spent.with / calls.with) * 1000 };
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase(DatabaseKind.SQLITE, 'bench_graphql');
  const config = loadConfig({ PORT: '0', PUBLIC_BASE_URL: 'http://127.0.0.1', HOST: '127.0.0.1', DATABASE_URL: scratch.config.url, LOG_LEVEL: 'silent', ADMIN_API_KEY: ADMIN_KEY });
  const running = await bootstrap(config);
  try {
    const { services } = running;
    const shop = await seed(services);
    const bare = await buildAppSchema();
    const guarded = await buildAppSchema(config.graphql);
    const limits = new OperationLimits(config.graphql);
    const anonymous = OrderAccess.anonymous();
    const admin = OrderAccess.fromAuthorization(ADMIN_KEY, ADMIN_KEY);
    const shopper = OrderAccess.fromAuthorization(shop.token, ADMIN_KEY);

    const variables: Record<string, [Record<string, unknown>, OrderAccess]> = {
      DemoProducts: [{}, anonymous],
      DemoPaymentMethods: [{}, anonymous],
      DemoCart: [{ id: shop.cartId }, anonymous],
      DemoCreateCart: [{ currency: 'DKK' }, anonymous],
      DemoAddCartLine: [{ cartId: shop.cartId, sku: 'SKU-0' }, anonymous],
      DemoSetCartLine: [{ cartId: shop.cartId, sku: 'SKU-2', quantity: 1 }, anonymous],
      DemoSetCartCustomField: [{ cartId: shop.cartId, key: 'giftNote', value: 'Happy birthday' }, anonymous],
      // A replay of the same attempt: answered from the order already placed.
      DemoCheckout: [{ input: { cartId: shop.checkedOutCartId, paymentMethod: BENCH_PAYMENT_METHOD.code, idempotencyKey: 'bench-graphql-1' } }, anonymous],
      DemoOrder: [{ id: shop.orderId }, shopper],
      DemoReportRedirectOutcome: [{ orderId: shop.orderId, outcome: 'SUCCESS', params: [{ key: 'qp_status', value: '20000' }] }, shopper],
      Order: [{ id: shop.orderId }, admin],
      IntrospectionQuery: [{}, admin],
    };
    const operations: BenchOperation[] = [
      ...operationsOf('src/demo/public/operations.graphql', (name) => name !== 'DemoPaymentStatusChanged'),
      ...operationsOf('test/operations/order.graphql', (name) => name === 'Order'),
      { name: 'IntrospectionQuery', text: getIntrospectionQuery() },
    ].map((op) => ({ ...op, variables: variables[op.name][0], access: variables[op.name][1] }));

    const run = async (schema: GraphQLSchema, document: DocumentNode, op: BenchOperation) => {
      const contextValue: GraphQLContext = { access: op.access, services };
      const result = await execute({ schema, document, variableValues: op.variables, contextValue });
      if (result.errors?.length) throw new Error(`${op.name}: ${result.errors.map((e) => e.message).join('; ')}`);
    };
    const withoutLimits = {
      check: (op: BenchOperation) => {
        const document = parse(op.text);
        if (validate(bare, document, specifiedRules).length) throw new Error(`${op.name} is invalid`);
        return document;
      },
      run: (document: DocumentNode, op: BenchOperation) => run(bare, document, op),
    };
    const withTheLimits = {
      check: (op: BenchOperation) => {
        const document = limits.parse(op.text);
        if (limits.validate(guarded, document).length) throw new Error(`${op.name} is refused`);
        return document;
      },
      run: (document: DocumentNode, op: BenchOperation) => {
        if (limits.introspectionRefusal(document, op.access)) throw new Error(`${op.name}: introspection refused`);
        return run(guarded, document, op);
      },
    };

    log(`GraphQL limits bench: ${operations.length} operations, ${ROUNDS} alternating slices of ${SLICE_MS} ms per side (Node ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    log('');
    const rows: string[][] = [];
    const totals = { check: { without: 0, with: 0 }, uncached: { without: 0, with: 0 }, cached: { without: 0, with: 0 } };
    for (const op of operations) {
      const cachedBare = withoutLimits.check(op);
      const cachedGuarded = withTheLimits.check(op);
      await withoutLimits.run(cachedBare, op); // warm-up, and proof that it runs
      await withTheLimits.run(cachedGuarded, op);
      const check = await compare(() => withoutLimits.check(op), () => withTheLimits.check(op));
      const uncached = await compare(
        () => withoutLimits.run(withoutLimits.check(op), op),
        () => withTheLimits.run(withTheLimits.check(op), op),
      );
      const cached = await compare(() => withoutLimits.run(cachedBare, op), () => withTheLimits.run(cachedGuarded, op));
      for (const [k, v] of Object.entries({ check, uncached, cached })) {
        totals[k as keyof typeof totals].without += v.without;
        totals[k as keyof typeof totals].with += v.with;
      }
      rows.push([op.name, ...[check, uncached, cached].flatMap((m) => [m.without.toFixed(0), m.with.toFixed(0), (m.with / m.without).toFixed(2)])]);
    }
    rows.push(['all (sum)', ...[totals.check, totals.uncached, totals.cached].flatMap((m) => [m.without.toFixed(0), m.with.toFixed(0), (m.with / m.without).toFixed(2)])]);

    const header = ['operation', 'parse+validate µs without', 'with', 'ratio', 'uncached request µs without', 'with', 'ratio', 'cached request µs without', 'with', 'ratio'];
    log(`| ${header.join(' | ')} |`);
    log(`|${header.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`);
    for (const row of rows) log(`| ${row.join(' | ')} |`);
    log('');
    log('ratio = with / without: 1.10 means the limits add a tenth to that work. Only comparable within one run.');
  } finally {
    await running.close();
    await scratch.drop();
  }
}

main().catch((e) => {
  console.error('bench failed:', e);
  process.exitCode = 1;
});
