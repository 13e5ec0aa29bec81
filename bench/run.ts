/**
 * `npm run bench`: callbacks per second and p50 / p99 answer times of `POST /callbacks/quickpay` of the real
 * service, beside a bare `node:http` baseline doing the minimum correct work, measured in the same run on the
 * same machine, for SQLite and PostgreSQL. Prints numbers; asserts nothing.
 *
 * Settings (environment): BENCH_ORDERS (most orders seeded into the service, default 6000), BENCH_SEED_SECONDS
 * (seeding stops after this, default 45), BENCH_CONNECTIONS (16), BENCH_DURATION (measured seconds, 10),
 * BENCH_WARMUP (seconds, 2), BENCH_DATABASES (`sqlite,postgresql`), BENCH_WITHOUT_WORKERS (`false` measures only
 * the service as it ships, skipping the variants that show what delivering the side effects costs), BENCH_ROUNDS
 * (runs of each variant, the best counting; 2).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, loadavg } from 'node:os';
import type { DatabaseKind } from '../src/config/config.js';
import type { Orm } from '../src/db/orm.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database.js';
import { statementCounter } from '../src/db/statement-counter.js';
import { OrderStatus } from '../src/modules/order/order.machine.js';
import { Order } from '../src/modules/order/order.entity.js';
import { OutboxMessage, OutboxStatus } from '../src/modules/outbox/outbox-message.entity.js';
import { InboxMessage } from '../src/modules/inbox/inbox-message.entity.js';
import { openBaselineStore } from './baseline-store.js';
import { benchDatabases, intEnv, startBenchService } from './bench-settings.js';
import { startBaselineServer } from './baseline-server.js';
import { checkBodiesMatchAdapter, type BenchPayment } from './callback-bodies.js';
import type { LoadJob, LoadResult } from './load-protocol.js';
import { markdownTable, mixLine, textTable, type BenchPair } from './report.js';
import { runLoad } from './run-load.js';
import { seedOrders } from './seed-orders.js';


const SETTINGS = {
  orders: intEnv('BENCH_ORDERS', 6000),
  seedSeconds: intEnv('BENCH_SEED_SECONDS', 45),
  connections: intEnv('BENCH_CONNECTIONS', 16),
  durationSeconds: intEnv('BENCH_DURATION', 10),
  warmupSeconds: intEnv('BENCH_WARMUP', 2),
  /** Also measure the service with workers that never give way and without workers, to show what delivery costs. */
  withoutWorkers: process.env.BENCH_WITHOUT_WORKERS !== 'false',
  /** Runs of the service per variant; the best one counts (see `measure`). */
  rounds: intEnv('BENCH_ROUNDS', 2),
  databases: benchDatabases('sqlite,postgresql'),
};
/**
 * The baseline answers far faster than the service, so it would use up the service's few thousand orders in a
 * second and then measure a stream of cheap duplicates. It gets the service's payments first, then this many in
 * all (cheap to insert with plain SQL), so its whole run has the same mix of first-time and follow-up callbacks.
 */
const BASELINE_PAYMENTS = 100_000;
/** How long the bench waits for the workers to catch up after the load before it reports what is left. */
const CATCH_UP_LIMIT_MS = 120_000;
const PRIVATE_KEY = `bench-private-key-${randomBytes(8).toString('hex')}`;

const log = (s: string) => console.log(s);
/** Other work on the machine skews every number; the load average before and after says how busy it was. */
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/**
 * The ways the service runs under the load: as it ships (its workers give way to the callbacks, delivering what
 * they owe when the load stops), with workers that never give way (delivering beside the load: what delivery costs
 * the callbacks), and with no workers at all (SERVICE_ROLE=web).
 */
const VARIANTS = {
  shipped: { label: 'service (workers giving way)', env: { SERVICE_ROLE: 'all' } },
  alongside: { label: 'service (workers delivering alongside)', env: { SERVICE_ROLE: 'all', OUTBOX_YIELD_MAX_LAG_MS: '0' } },
  web: { label: 'service (no workers)', env: { SERVICE_ROLE: 'web' } },
} as const;
type Variant = keyof typeof VARIANTS;

function loadJob(url: string, payments: BenchPayment[]): LoadJob {
  return { url, privateKey: PRIVATE_KEY, payments, connections: SETTINGS.connections, warmupSeconds: SETTINGS.warmupSeconds, durationSeconds: SETTINGS.durationSeconds };
}

/**
 * Boots the real service on `scratch` as `variant` says, seeds orders, runs the load, and reports what the load made
 * it write and the workers deliver.
 */
async function measureService(scratch: ScratchDatabase, variant: Variant): Promise<{ payments: BenchPayment[]; result: LoadResult }> {
  const { label, env } = VARIANTS[variant];
  const running = await startBenchService(scratch, PRIVATE_KEY, env);
  try {
    const t = performance.now();
    const payments = await seedOrders(running.services, SETTINGS.orders, SETTINGS.seedSeconds * 1000);
    if (payments.length === 0) throw new Error('seeding placed no orders');
    log(`  service: seeded ${payments.length} orders through the services in ${seconds(t)}s; load ${SETTINGS.warmupSeconds}s warm-up + ${SETTINGS.durationSeconds}s measured`);
    const counter = statementCounter(running.services.orm);
    const result = await runLoad(loadJob(running.url, payments), () => counter.total);
    const em = running.services.orm.em.fork();
    const [ready, outbox, delivered, inbox] = await Promise.all([
      em.count(Order, { status: OrderStatus.READY }),
      em.count(OutboxMessage, {}),
      em.count(OutboxMessage, { status: OutboxStatus.DONE }),
      em.count(InboxMessage, {}),
    ]);
    log(`  ${label}: ${result.requestsPerSecond.toFixed(0)} callbacks/s; after the load: ${ready} orders READY, ${outbox} outbox rows (${delivered} delivered), ${inbox} inbox rows`);
    if (variant !== 'web') await reportCatchUp(running.services.orm, label);
    return { payments, result };
  } finally {
    await running.close();
  }
}

/**
 * What the load's ready orders owe and the workers had not delivered when it stopped (all of it, when they gave
 * way), and how long they took to deliver it once the load was gone.
 */
async function reportCatchUp(orm: Orm, label: string): Promise<void> {
  const dueUndone = () => orm.em.fork().count(OutboxMessage, { status: OutboxStatus.PENDING, nextAttemptAt: { $lte: new Date() } });
  const backlog = await dueUndone();
  const t = performance.now();
  let left = backlog;
  while (left > 0 && performance.now() - t < CATCH_UP_LIMIT_MS) {
    await sleep(100);
    left = await dueUndone();
  }
  log(`  ${label}: ${backlog} side effects due and not yet delivered when the load stopped; ${left === 0 ? `all delivered ${seconds(t)}s later` : `${left} still due after ${seconds(t)}s`}`);
}

/** Starts the baseline on `scratch` with the service's payments (and more), runs the same load. */
async function measureBaseline(scratch: ScratchDatabase, servicePayments: BenchPayment[]): Promise<LoadResult> {
  const payments = [...servicePayments];
  for (let i = payments.length; i < BASELINE_PAYMENTS; i++) {
    payments.push({ reference: `B${i.toString(36).toUpperCase().padStart(15, '0')}`, amount: servicePayments[i % servicePayments.length].amount });
  }
  const store = await openBaselineStore(scratch.config);
  try {
    await store.seed(payments);
    const server = await startBaselineServer(store, PRIVATE_KEY);
    try {
      log(`  baseline: seeded ${payments.length} payments with plain SQL; same load`);
      return await runLoad(loadJob(server.url, payments));
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
  }
}

/**
 * Whether `run` beats the round kept so far: more callbacks per second, but never a round whose load ran out of
 * fresh payments over one that did not (it fell back to cheaper callbacks, and would flatter the service).
 */
function better(run: LoadResult, kept: LoadResult | undefined): boolean {
  if (!kept) return true;
  const dry = (r: LoadResult) => r.freshLeft === 0;
  if (dry(run) !== dry(kept)) return dry(kept);
  return run.requestsPerSecond > kept.requestsPerSecond;
}

async function measure(kind: DatabaseKind): Promise<BenchPair | null> {
  try {
    // Is there a server to measure on at all?
    await (await createScratchDatabase(kind, 'bench')).drop();
  } catch (e) {
    log(`${kind}: SKIPPED, cannot create a scratch database (${(e as Error).message}); set TEST_POSTGRES_URL to point at a server`);
    return null;
  }
  log(`${kind}:`);
  // Whichever runs first on a fresh server runs slower (PostgreSQL by up to a quarter here), so the variants take
  // turns leading, round after round, and each keeps its best round.
  const best: Partial<Record<Variant, { payments: BenchPayment[]; result: LoadResult }>> = {};
  const variants: Variant[] = SETTINGS.withoutWorkers ? ['shipped', 'alongside', 'web'] : ['shipped'];
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const db = await createScratchDatabase(kind, `bench_${variant}`);
      try {
        const run = await measureService(db, variant);
        if (better(run.result, best[variant]?.result)) best[variant] = run;
      } finally {
        await db.drop();
      }
    }
  }
  const baselineDb = await createScratchDatabase(kind, 'bench_baseline');
  try {
    const baseline = await measureBaseline(baselineDb, best.shipped!.payments);
    const services = variants.map((v) => ({ label: VARIANTS[v].label, result: best[v]!.result }));
    for (const s of services) log(`  ${mixLine(s.label, s.result)}`);
    log(`  ${mixLine('baseline', baseline)}`);
    return { database: kind, services, baseline };
  } finally {
    await baselineDb.drop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  checkBodiesMatchAdapter();
  log(`Callback bench: ${SETTINGS.connections} connections, ${SETTINGS.warmupSeconds}s warm-up + ${SETTINGS.durationSeconds}s measured per server, load from a second process (Node ${process.version}, ${cpus().length} cores, load average ${load()})`);
  const pairs: BenchPair[] = [];
  for (const kind of SETTINGS.databases) {
    try {
      const pair = await measure(kind);
      if (pair) pairs.push(pair);
    } catch (e) {
      // One database failing must not hide the other's numbers, but the run must not look successful either.
      log(`${kind}: FAILED: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    }
  }
  if (pairs.length === 0) {
    log('Nothing was measured.');
    process.exitCode = 1;
    return;
  }
  log('');
  log(textTable(pairs));
  log('');
  log('Ratios: throughput above 1 would mean the service outran the baseline; p99 above 1 means slower answers than the baseline.');
  log(`Bench took ${seconds(started)}s; load average now ${load()}. Markdown for the README:`);
  log('');
  log(markdownTable(pairs));
}

main().catch((e) => {
  console.error('bench failed:', e);
  process.exitCode = 1;
});
