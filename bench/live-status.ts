/**
 * `npm run bench:live`: live payment status at scale on one instance. Opens BENCH_LIVE_SUBSCRIBERS (10,000)
 * graphql-ws subscriptions from a second process, as confirmation pages do, spread over BENCH_LIVE_ORDERS (1,000)
 * orders waiting for payment; then authorises every order by a signed QuickPay callback and clocks how long after
 * each callback's answer each of its subscribers got the READY push. Prints the push delay (p50, p99, max), how many
 * subscribers got it, and the memory each subscription costs the service's process. SQLite, the embedded default
 * (the subscriptions' cost does not depend on the database). Asserts nothing.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DatabaseKind } from '../src/config/config.js';
import { createScratchDatabase } from '../src/db/scratch-database.js';
import { intEnv, startBenchService } from './bench-settings.js';
import type { FromSubscribers, LiveResult, ToSubscribers } from './live-protocol.js';
import { seedOrders } from './seed-orders.js';
import { fixed, markdownTable, textTable } from './tables.js';

const SUBSCRIBERS = intEnv('BENCH_LIVE_SUBSCRIBERS', 10_000);
const ORDERS = intEnv('BENCH_LIVE_ORDERS', 1_000);
/** Callbacks in flight at once: a gateway's steady stream, not a flood (the callback bench measures floods). */
const CALLBACKS_AT_ONCE = intEnv('BENCH_LIVE_CALLBACKS_AT_ONCE', 4);
const PRIVATE_KEY = `bench-private-key-${randomBytes(8).toString('hex')}`;
const SUBSCRIBERS_PROCESS = fileURLToPath(new URL('./live-subscribers.js', import.meta.url));
const MiB = 1024 * 1024;

/** The process's memory after a full collection (the bench runs with --expose-gc), so the delta is what stays. */
async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(200);
  }
  return process.memoryUsage();
}

async function main(): Promise<void> {
  if (!(globalThis as { gc?: () => void }).gc) console.log('(run with node --expose-gc for settled memory figures; npm run bench:live does)');
  const scratch = await createScratchDatabase(DatabaseKind.SQLITE, 'bench_live');
  // A shop expecting this many open confirmation pages raises the socket limit (default 1000) to match.
  const running = await startBenchService(scratch, PRIVATE_KEY, { HTTP_MAX_CONNECTIONS: String(SUBSCRIBERS + 100) });
  try {
    console.log(`Live-status bench: ${SUBSCRIBERS} subscribers over ${ORDERS} orders, one instance (Node ${process.version}, ${cpus().length} cores)`);
    const orders = await seedOrders(running.services, ORDERS);
    const before = await settledMemory();
    const child = fork(SUBSCRIBERS_PROCESS, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const next = () => new Promise<FromSubscribers>((resolve, reject) => {
      child.once('message', (m) => resolve(m as FromSubscribers));
      child.once('exit', (code) => reject(new Error(`the subscriber process exited (${code})`)));
    });
    const job: ToSubscribers = { kind: 'job', url: running.url, privateKey: PRIVATE_KEY, orders, subscribers: SUBSCRIBERS, openAtOnce: 200, callbacksAtOnce: CALLBACKS_AT_ONCE };
    child.send(job);
    const subscribed = await next();
    if (subscribed.kind !== 'subscribed') throw new Error('expected the subscribers first');
    const after = await settledMemory();
    console.log(`  ${subscribed.subscribers} subscriptions live in ${subscribed.seconds.toFixed(1)}s (${subscribed.failures} failed); the service's process grew by ${fixed((after.rss - before.rss) / MiB, 0)} MiB RSS, ${fixed((after.heapUsed - before.heapUsed) / MiB, 0)} MiB heap`);
    child.send({ kind: 'go' } satisfies ToSubscribers);
    const done = await next();
    if (done.kind !== 'result') throw new Error('expected the result');
    const r: LiveResult = done.result;
    const perSubscriber = (bytes: number) => fixed(bytes / subscribed.subscribers / 1024, 1);
    const table = {
      headers: ['subscribers', 'got READY', 'callbacks/s', 'push after answer p50 ms', 'p99 ms', 'max ms', 'RSS per subscriber KiB', 'heap per subscriber KiB', 'failures'],
      rows: [[String(r.subscribers), String(r.reached), fixed(r.callbacksPerSecond, 0), fixed(r.pushAfterAnswer.p50, 1), fixed(r.pushAfterAnswer.p99, 1), fixed(r.pushAfterAnswer.max, 1), perSubscriber(after.rss - before.rss), perSubscriber(after.heapUsed - before.heapUsed), String(r.failures + subscribed.failures)]],
      numeric: new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]),
    };
    console.log('');
    console.log(textTable(table));
    console.log('');
    console.log('A push can arrive before its callback\'s answer (it leaves at commit), so a delay can be negative. Markdown for the README:');
    console.log('');
    console.log(markdownTable(table));
    await new Promise((resolve) => child.once('exit', resolve));
  } finally {
    await running.close();
    await scratch.drop();
  }
}

main().catch((e) => {
  console.error('live bench failed:', e);
  process.exitCode = 1;
});
