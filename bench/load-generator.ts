/**
 * The bench's second process: reads a {@link LoadJob} as JSON on stdin, drives `POST /callbacks/quickpay` of the
 * target with autocannon (a warm-up, then the measured window, on the same connections' count and the same
 * callback stream), and prints one {@link LoadResult} JSON line on stdout. It runs apart from the server so the
 * load's own CPU (signing, HTTP parsing) is not charged to the server's event loop.
 */
import autocannon, { type AutocannonResult } from 'autocannon';
import { text } from 'node:stream/consumers';
import { CallbackStream, type CallbackKind } from './callback-stream.js';
import { MEASURING_LINE, type LoadJob, type LoadResult } from './load-protocol.js';

const CALLBACK_PATH = '/callbacks/quickpay';

interface Tally {
  latencies: number[];
  statusCodes: Record<string, number>;
  outcomes: Record<string, number>;
}

/** One autocannon run over `stream`; `tally` collects every response while the run lasts. */
function runOnce(job: LoadJob, stream: CallbackStream, seconds: number, tally: Tally): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: CALLBACK_PATH,
            // Called for every request: each one takes the next distinct (or deliberately duplicated) body.
            setupRequest: (req) => {
              const { body, checksum } = stream.next();
              return { ...req, body, headers: { 'content-type': 'application/json', 'quickpay-checksum-sha256': checksum } };
            },
            onResponse: (_status, body) => {
              const outcome = outcomeOf(body);
              tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      tally.latencies.push(responseTimeMs);
      tally.statusCodes[statusCode] = (tally.statusCodes[statusCode] ?? 0) + 1;
    });
  });
}

function outcomeOf(body: string): string {
  try {
    const status = (JSON.parse(body) as { status?: unknown }).status;
    return typeof status === 'string' ? status : '(no status)';
  } catch {
    return '(not JSON)';
  }
}

/** Exact percentile (nearest rank) of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const job = JSON.parse(await text(process.stdin)) as LoadJob;
  const stream = new CallbackStream(job.payments, job.privateKey);

  if (job.warmupSeconds > 0) await runOnce(job, stream, job.warmupSeconds, { latencies: [], statusCodes: {}, outcomes: {} });

  const before = { ...stream.counts };
  const tally: Tally = { latencies: [], statusCodes: {}, outcomes: {} };
  process.stdout.write(`${MEASURING_LINE}\n`);
  const cpuBefore = process.cpuUsage();
  const result = await runOnce(job, stream, job.durationSeconds, tally);
  const cpu = process.cpuUsage(cpuBefore);
  const sent = Object.fromEntries(
    Object.entries(stream.counts).map(([k, v]) => [k, v - before[k as CallbackKind]]),
  ) as Record<CallbackKind, number>;

  const sorted = Float64Array.from(tally.latencies).sort();
  const out: LoadResult = {
    responses: sorted.length,
    durationSeconds: result.duration,
    requestsPerSecond: sorted.length / result.duration,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: tally.statusCodes,
    outcomes: tally.outcomes,
    sent,
    freshLeft: stream.freshLeft,
    loadCpuPercent: ((cpu.user + cpu.system) / 1e6 / result.duration) * 100,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  console.error('load generator failed:', e);
  process.exitCode = 1;
});
