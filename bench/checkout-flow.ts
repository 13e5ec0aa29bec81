/**
 * `npm run bench:flow`: whole checkout flows (cart -> line -> custom field -> checkout -> redirect -> signed QuickPay
 * callback -> READY) through the real service over HTTP, and the confirming callback alone, beside stock Vendure 3.7
 * doing the same job (`../shared/bench/vendure`: checkout flows, then `settlePayment` alone), in the same run on the
 * same machine, with the same concurrency, warm-up and duration. Prints flows/s, p50 and p99 of each, the ratios,
 * each step's p50/p99 and its SQL statements. Asserts nothing.
 *
 * Settings (environment): BENCH_DATABASES (`sqlite`; `sqlite,postgresql` for both), BENCH_FLOW_CONCURRENCY (20),
 * BENCH_FLOW_WARMUP (3 s), BENCH_FLOW_DURATION (10 s), BENCH_CONFIRM_ORDERS (500), BENCH_CONFIRM_MAX_SECONDS (30),
 * BENCH_VENDURE (the peer bench's directory; default ../shared/bench/vendure; `false` skips it).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RunningService } from '../src/app/bootstrap.js';
import type { DatabaseKind } from '../src/config/config.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database.js';
import { statementCounter } from '../src/db/statement-counter.js';
import { benchDatabases, intEnv, startBenchService } from './bench-settings.js';
import { FLOW_STEPS, confirmPayment, orderStatus, placeOrder, type FlowStep } from './flow-steps.js';
import { phaseLine, type FlowJob, type FlowPhase, type FlowResult } from './flow-protocol.js';
import { flowMarkdown, flowText, type FlowRow } from './flow-report.js';
import { seedProducts } from './seed-orders.js';
import { StorefrontClient } from './storefront-client.js';
import { runVendure, vendureBenchDir, type VendureResult } from './vendure-peer.js';

const SETTINGS = {
  concurrency: intEnv('BENCH_FLOW_CONCURRENCY', 20),
  warmupSeconds: intEnv('BENCH_FLOW_WARMUP', 3),
  durationSeconds: intEnv('BENCH_FLOW_DURATION', 10),
  confirmOrders: intEnv('BENCH_CONFIRM_ORDERS', 500),
  confirmMaxSeconds: intEnv('BENCH_CONFIRM_MAX_SECONDS', 30),
  databases: benchDatabases('sqlite'),
};
const PRIVATE_KEY = `bench-private-key-${randomBytes(8).toString('hex')}`;
const LOAD = fileURLToPath(new URL('./flow-load.js', import.meta.url));

const log = (s: string) => console.log(s);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** The service as `npm start` boots it on `scratch` (bench-settings.ts), as `role`. */
const startService = (scratch: ScratchDatabase, role: 'all' | 'web'): Promise<RunningService> => startBenchService(scratch, PRIVATE_KEY, { SERVICE_ROLE: role });

/**
 * The SQL statements of each step of one flow, counted at the driver, on a service without workers (their polling
 * would be counted too). The second of two flows, so nothing is counted that only a first flow does.
 */
async function statementsPerStep(scratch: ScratchDatabase): Promise<Record<FlowStep, number>> {
  const running = await startService(scratch, 'web');
  const client = new StorefrontClient(running.url, 1);
  try {
    const counter = statementCounter(running.services.orm);
    const counts = {} as Record<FlowStep, number>;
    for (let i = 0; i < 2; i++) {
      const counted = async <T>(step: FlowStep, work: () => Promise<T>) => {
        const before = counter.total;
        const result = await work();
        counts[step] = counter.total - before;
        return result;
      };
      const order = await placeOrder(client, i, 'count', counted);
      await confirmPayment(client, order, 1_000_000 + i, PRIVATE_KEY, counted);
      const status = await orderStatus(client, order);
      if (status !== 'READY') throw new Error(`the counted flow left its order ${status}`);
    }
    return counts;
  } finally {
    client.close();
    await running.close();
  }
}

/** What the service's own process did in one measured window: its CPU and its SQL statements. */
interface WindowCost {
  /** CPU of the service's process, % of one core. */
  cpuPercent: number;
  /** Statements its process ran (BEGIN and COMMIT included, its workers' too). */
  statements: number;
}

interface ServiceRun {
  result: FlowResult;
  costs: Record<FlowPhase, WindowCost>;
}

/** The flow load against the service as it ships (with its workers), from a second process. */
async function measureService(scratch: ScratchDatabase): Promise<ServiceRun> {
  const running = await startService(scratch, 'all');
  try {
    const counter = statementCounter(running.services.orm);
    const job: FlowJob = { url: running.url, privateKey: PRIVATE_KEY, ...SETTINGS };
    const starts: Partial<Record<FlowPhase, { cpu: NodeJS.CpuUsage; at: number; statements: number }>> = {};
    const costs: Partial<Record<FlowPhase, WindowCost>> = {};
    const result = await new Promise<FlowResult>((resolve, reject) => {
      const child = spawn(process.execPath, [LOAD], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        for (const phase of ['flows', 'confirm'] as const) {
          if (!starts[phase] && out.includes(phaseLine(phase, 'start'))) starts[phase] = { cpu: process.cpuUsage(), at: performance.now(), statements: counter.total };
          const start = starts[phase];
          if (start && !costs[phase] && out.includes(phaseLine(phase, 'end'))) {
            const used = process.cpuUsage(start.cpu);
            costs[phase] = { cpuPercent: ((used.user + used.system) / 1e3 / (performance.now() - start.at)) * 100, statements: counter.total - start.statements };
          }
        }
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`flow load exited with code ${code}`));
        try {
          resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as FlowResult);
        } catch (e) {
          reject(new Error(`flow load printed no result: ${(e as Error).message}`));
        }
      });
      child.stdin.end(JSON.stringify(job));
    });
    if (!costs.flows || !costs.confirm) throw new Error('the flow load never reported its measured windows');
    return { result, costs: costs as Record<FlowPhase, WindowCost> };
  } finally {
    await running.close();
  }
}

async function measure(kind: DatabaseKind, vendureDir: string | null): Promise<FlowRow | null> {
  let scratch: ScratchDatabase;
  try {
    scratch = await createScratchDatabase(kind, 'bench_flow');
  } catch (e) {
    log(`${kind}: SKIPPED, cannot create a scratch database (${(e as Error).message}); set TEST_POSTGRES_URL to point at a server`);
    return null;
  }
  try {
    log(`${kind}: counting each step's statements (one flow, no workers) ...`);
    // Products first, through the service that counts (its catalogue, as a shop would fill it).
    const seeding = await startService(scratch, 'web');
    await seedProducts(seeding.services).finally(() => seeding.close());
    const statements = await statementsPerStep(scratch);
    log(`${kind}: the service under the flow load (${SETTINGS.concurrency} storefronts, ${SETTINGS.warmupSeconds}s warm-up + ${SETTINGS.durationSeconds}s), then ${SETTINGS.confirmOrders} callbacks alone ...`);
    const service = await measureService(scratch);
    const r = service.result;
    for (const [what, d] of [['flows', r.flows], ['confirmations', r.confirm]] as const) {
      for (const [message, count] of Object.entries(d.errorSamples)) log(`  ${what}: ${count} x ${message}`);
    }
    log(`  check: last flow's order ${r.check.lastFlowOrder}, last confirmed order ${r.check.lastConfirmedOrder}; CPU service ${service.costs.flows.cpuPercent.toFixed(0)}%, load ${r.loadCpuPercent.toFixed(0)}% (flows window)`);
    let vendure: VendureResult | null = null;
    if (vendureDir) {
      log(`${kind}: Vendure (${vendureDir}/run.sh), same settings ...`);
      try {
        vendure = await runVendure(vendureDir, kind, {
          concurrency: SETTINGS.concurrency,
          warmupSeconds: SETTINGS.warmupSeconds,
          durationSeconds: SETTINGS.durationSeconds,
          settleOrders: SETTINGS.confirmOrders,
          settleMaxSeconds: SETTINGS.confirmMaxSeconds,
        });
      } catch (e) {
        log(`  Vendure: FAILED: ${(e as Error).message}`);
        process.exitCode = 1;
      }
    }
    return { database: kind, service: r, statements, costs: service.costs, vendure };
  } finally {
    await scratch.drop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const vendureDir = vendureBenchDir();
  log(`Checkout-flow bench: ${SETTINGS.concurrency} storefronts, ${SETTINGS.warmupSeconds}s warm-up + ${SETTINGS.durationSeconds}s measured, ${SETTINGS.confirmOrders} confirmations (Node ${process.version}, ${cpus().length} cores, load average ${load()})`);
  if (!vendureDir) log('Vendure: not run (no ../shared/bench/vendure, or BENCH_VENDURE=false): no ratios');
  const rows: FlowRow[] = [];
  for (const kind of SETTINGS.databases) {
    try {
      const row = await measure(kind, vendureDir);
      if (row) rows.push(row);
    } catch (e) {
      log(`${kind}: FAILED: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    }
  }
  if (rows.length === 0) {
    log('Nothing was measured.');
    process.exitCode = 1;
    return;
  }
  log('');
  log(flowText(rows));
  log('');
  log(`Bench took ${((performance.now() - started) / 1000).toFixed(0)}s; load average now ${load()}. Markdown for the README:`);
  log('');
  log(flowMarkdown(rows));
}

main().catch((e) => {
  console.error('flow bench failed:', e);
  process.exitCode = 1;
});
