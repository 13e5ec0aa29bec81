/**
 * The flow bench's load process: reads a {@link FlowJob} on stdin, then, with `concurrency` storefronts at once,
 * runs whole checkout flows (a cold one, a warm-up, the measured window), places orders for the confirmation run
 * (not timed) and confirms them by QuickPay callbacks alone. Prints one {@link FlowResult} JSON line. Runs apart
 * from the service so its own CPU (HTTP, signing) is not charged to the service's event loop.
 */
import { text } from 'node:stream/consumers';
import { confirmPayment, FLOW_STEPS, orderStatus, placeOrder, type FlowStep, type PlacedOrder, type StepRunner } from './flow-steps.js';
import { phaseLine, type DriveResult, type FlowJob, type FlowResult, type Percentiles } from './flow-protocol.js';
import { StorefrontClient } from './storefront-client.js';

/** Exact percentile (nearest rank) of an ascending array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const percentiles = (samples: number[]): Percentiles => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/** Runs `fn` from `concurrency` workers until `untilMs` passes or `items` run out. */
async function drive<T>(concurrency: number, untilMs: number, fn: (item: T) => Promise<unknown>, items?: T[]): Promise<DriveResult> {
  const latencies: number[] = [];
  const errorSamples: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (Date.now() < untilMs && (!items || next < items.length)) {
      const item = items?.[next++] as T;
      const t = performance.now();
      try {
        await fn(item);
        latencies.push(performance.now() - t);
      } catch (e) {
        errors++;
        const key = String((e as Error).message).slice(0, 160);
        errorSamples[key] = (errorSamples[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { n: latencies.length, errors, errorSamples, seconds, perSecond: latencies.length / seconds, ...percentiles(latencies) };
}

async function main(): Promise<void> {
  const job = JSON.parse(await text(process.stdin)) as FlowJob;
  const client = new StorefrontClient(job.url, job.concurrency);
  // Distinct per flow across the whole run: idempotency keys, e-mails and QuickPay payment ids.
  let n = 0;
  const tag = `${process.pid}`;
  let stepTimes: Record<FlowStep, number[]> | null = null;
  const timed: StepRunner = async (step, work) => {
    const t = performance.now();
    const result = await work();
    stepTimes?.[step].push(performance.now() - t);
    return result;
  };
  let lastFlow: PlacedOrder | null = null;
  const flow = async () => {
    const i = n++;
    const order = await placeOrder(client, i, tag, timed);
    await confirmPayment(client, order, i, job.privateKey, timed);
    lastFlow = order;
  };

  await flow(); // a cold first flow, as Vendure's bench runs one
  if (job.warmupSeconds > 0) await drive(job.concurrency, Date.now() + job.warmupSeconds * 1000, flow);
  stepTimes = Object.fromEntries(FLOW_STEPS.map((s) => [s, []])) as unknown as Record<FlowStep, number[]>;
  process.stdout.write(`${phaseLine('flows', 'start')}\n`);
  const cpuBefore = process.cpuUsage();
  const flows = await drive(job.concurrency, Date.now() + job.durationSeconds * 1000, flow);
  const flowCpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${phaseLine('flows', 'end')}\n`);
  const steps = Object.fromEntries(FLOW_STEPS.map((s) => [s, percentiles(stepTimes![s])])) as Record<FlowStep, Percentiles>;
  stepTimes = null;

  // The confirmation step alone, as Vendure's settle-only run: orders placed first (untimed), then callbacks only.
  const placed: PlacedOrder[] = [];
  await drive(job.concurrency, Date.now() + 120_000, async () => placed.push(await placeOrder(client, n++, tag)), Array.from({ length: job.confirmOrders }));
  let lastConfirmed: PlacedOrder | null = null;
  process.stdout.write(`${phaseLine('confirm', 'start')}\n`);
  const confirm = await drive(job.concurrency, Date.now() + job.confirmMaxSeconds * 1000, async (order: PlacedOrder) => {
    await confirmPayment(client, order, n++, job.privateKey);
    lastConfirmed = order;
  }, placed);
  process.stdout.write(`${phaseLine('confirm', 'end')}\n`);

  const check = {
    lastFlowOrder: lastFlow ? await orderStatus(client, lastFlow) : 'none',
    lastConfirmedOrder: lastConfirmed ? await orderStatus(client, lastConfirmed) : 'none',
  };
  client.close();
  const result: FlowResult = {
    flows: { ...flows, steps },
    confirm: { ...confirm, placed: placed.length },
    check,
    loadCpuPercent: ((flowCpu.user + flowCpu.system) / 1e3 / (flows.seconds * 1000)) * 100,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error('flow load failed:', e);
  process.exitCode = 1;
});
