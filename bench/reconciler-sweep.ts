/**
 * `npm run bench:reconciler`: what one reconciler sweep costs as the shop grows. The same 1,000 due payments are
 * claimed (every claim the reconciler makes to find them, in its batches) from an SQLite database of 1,000 orders,
 * then from one of 1,000,000 orders whose other payments are settled or not due; printed side by side with their
 * ratio. The sweep reads due payments through the index on `reconcile_at`, so the ratio should stay near 1: the
 * cost follows the number due, not the number of orders. Only the database part is measured (no gateway calls).
 * Prints numbers; asserts nothing. BENCH_LARGE_ORDERS (1000000) and BENCH_DUE (1000) change the sizes.
 */
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { DatabaseKind, DATABASE_TIMEOUT_DEFAULTS, loadConfig } from '../src/config/config.js';
import { openDatabase } from '../src/db/orm.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database.js';
import { GatewayRegistry } from '../src/gateways/gateway-registry.js';
import { PaymentReconciler } from '../src/modules/reconciler/reconciler.js';
import type { PaymentStateService } from '../src/modules/payment/payment-state.service.js';
import type { TransitionService } from '../src/modules/transition/transition.service.js';
import { intEnv } from './bench-settings.js';

const LARGE = intEnv('BENCH_LARGE_ORDERS', 1_000_000);
const DUE = intEnv('BENCH_DUE', 1_000);
const ROUNDS = 7;
const log = (s: string) => process.stdout.write(`${s}\n`);

/** `orders` orders, each with one payment; the first `due` are due now, a tenth of the rest due later, the others settled. */
async function fill(scratch: ScratchDatabase, orders: number, due: number): Promise<void> {
  const orm = await openDatabase(scratch.config, { migrate: true });
  await orm.close();
  const db = new Database(scratch.config.url);
  db.pragma('journal_mode = wal');
  db.pragma('synchronous = off');
  const now = Date.now();
  const order = db.prepare(`insert into orders (id, cart_id, cart_revision, idempotency_key, status, access_token, currency, lines, custom_fields, coupon_codes, gift_cards, subtotal, discount_total, gift_card_total, total, flags, status_sequence, placed_at, ready_at, cancelled_at)
    values (?, ?, 0, ?, ?, 'token', 'DKK', '[]', '{}', '[]', '[]', 1000, 0, 0, 1000, '[]', 1, ?, null, null)`);
  const payment = db.prepare(`insert into payments (id, order_id, gateway, reference, status, amount, currency, created_at, updated_at, reconcile_at)
    values (?, ?, 'QUICKPAY', ?, ?, 1000, 'DKK', ?, ?, ?)`);
  const id = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(35 - prefix.length, '0')}`.slice(0, 36);
  const insert = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const isDue = i < due;
      const later = !isDue && i % 10 === 0;
      order.run(id('o', i), id('c', i), `k${i}`, isDue || later ? 'PENDING_PAYMENT' : 'READY', now - 60_000);
      payment.run(id('p', i), id('o', i), `R${i}`, isDue || later ? 'INITIATED' : 'AUTHORIZED', now, now, isDue ? now - 1_000 : later ? now + 3_600_000 : null);
    }
  });
  for (let i = 0; i < orders; i += 50_000) insert(i, Math.min(orders, i + 50_000));
  db.pragma('wal_checkpoint(truncate)');
  db.close();
}

/** Median milliseconds to claim every due payment, in the reconciler's own batches, over several rounds. */
async function sweepMs(scratch: ScratchDatabase): Promise<number> {
  const config = loadConfig({ DATABASE_URL: scratch.config.url, LOG_LEVEL: 'silent' });
  const orm = await openDatabase(scratch.config, { migrate: false });
  try {
    const reconciler = new PaymentReconciler(orm, DatabaseKind.SQLITE, {} as TransitionService, {} as PaymentStateService, new GatewayRegistry([]), config.reconciler, DATABASE_TIMEOUT_DEFAULTS.busyMs, pino({ level: 'silent' }));
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Due again (a claim moved them one lease ahead; the "later" ones are an hour ahead): each round measures
      // the same sweep.
      const now = Date.now();
      await orm.em.getConnection().execute('update payments set reconcile_at = ? where reconcile_at between ? and ?', [now - 1_000, now - 1_000, now + 10 * 60_000]);
      const started = performance.now();
      let claimed = 0;
      for (let got = -1; got !== 0; ) {
        got = (await reconciler.claimDue(new Date())).length;
        claimed += got;
      }
      times.push(performance.now() - started);
      if (claimed !== DUE) throw new Error(`claimed ${claimed}, expected ${DUE}`);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    await orm.close();
  }
}

async function main(): Promise<void> {
  log(`Reconciler sweep: claiming ${DUE} due payments (batches of the default size) from ${DUE.toLocaleString('en')} orders, then from ${LARGE.toLocaleString('en')}; median of ${ROUNDS} rounds, SQLite`);
  const small = await createScratchDatabase(DatabaseKind.SQLITE, 'sweep-small');
  const large = await createScratchDatabase(DatabaseKind.SQLITE, 'sweep-large');
  try {
    let t = performance.now();
    await fill(small, DUE, DUE);
    await fill(large, LARGE, DUE);
    log(`  filled both databases in ${((performance.now() - t) / 1000).toFixed(1)}s`);
    t = performance.now();
    const smallMs = await sweepMs(small);
    const largeMs = await sweepMs(large);
    log('');
    log('| orders | due payments | sweep ms (median) | ratio to the small shop |');
    log('|---:|---:|---:|---:|');
    log(`| ${DUE.toLocaleString('en')} | ${DUE} | ${smallMs.toFixed(1)} | 1 |`);
    log(`| ${LARGE.toLocaleString('en')} | ${DUE} | ${largeMs.toFixed(1)} | ${(largeMs / smallMs).toFixed(2)} |`);
  } finally {
    await small.drop();
    await large.drop();
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
