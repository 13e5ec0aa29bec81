/**
 * The live-status bench's subscriber process: opens one graphql-ws connection per subscriber, as a confirmation
 * page does (the order's access token in the connection params), each watching one order's payment status. When
 * told to, it plays the gateway: posts each order's signed authorisation, and clocks how long after each callback's
 * answer every subscriber of that order got the READY push. Runs apart from the service, so the sockets' client side
 * is not charged to it.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { flowOperations } from './flow-operations.js';
import { confirmPayment } from './flow-steps.js';
import type { FromSubscribers, LiveResult, ToSubscribers } from './live-protocol.js';
import { StorefrontClient } from './storefront-client.js';

const SUBSCRIPTION = flowOperations().BenchPaymentStatusChanged;
const send = (m: FromSubscribers) => process.send!(m);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs `fn` over `items`, `atOnce` at a time. */
async function each<T>(items: readonly T[], atOnce: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: atOnce }, async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i], i);
  }));
}

async function run(job: Extract<ToSubscribers, { kind: 'job' }>): Promise<void> {
  const url = `${job.url.replace(/^http/, 'ws')}/graphql`;
  const clients: Client[] = [];
  /** Per order: when its callback's answer came back, and when each of its subscribers saw READY. */
  const answeredAt = new Map<string, number>();
  const readyAt = new Map<string, number[]>();
  let failures = 0;
  let reached = 0;
  let allReached: () => void = () => undefined;
  const reachedAll = new Promise<void>((resolve) => (allReached = resolve));

  const started = performance.now();
  await each(Array.from({ length: job.subscribers }), job.openAtOnce, async (_, i) => {
    const order = job.orders[i % job.orders.length];
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${order.accessToken}` }, retryAttempts: 0, lazy: true });
    clients.push(client);
    let first = true;
    await new Promise<void>((resolve) => {
      client.subscribe<{ paymentStatusChanged: { orderStatus: string } }>(
        { query: SUBSCRIPTION, variables: { orderId: order.orderId } },
        {
          next: (msg) => {
            if (first) {
              first = false;
              resolve(); // the current status: this subscriber is live
            }
            if (msg.data?.paymentStatusChanged.orderStatus === 'READY') {
              const list = readyAt.get(order.orderId) ?? [];
              list.push(performance.now());
              readyAt.set(order.orderId, list);
              if (++reached === job.subscribers) allReached();
            }
          },
          error: (e: unknown) => {
            if (failures++ === 0) console.error('first subscription failure:', e instanceof Error ? e.message : JSON.stringify(e) ?? String((e as { reason?: string }).reason));
            resolve();
          },
          complete: () => resolve(),
        },
      );
    });
  });
  send({ kind: 'subscribed', subscribers: clients.length, seconds: (performance.now() - started) / 1000, failures });

  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const gateway = new StorefrontClient(job.url, job.callbacksAtOnce);
  const t = performance.now();
  await each(job.orders, job.callbacksAtOnce, async (order, i) => {
    await confirmPayment(gateway, { ...order, total: order.amount }, 2_000_000 + i, job.privateKey);
    answeredAt.set(order.orderId, performance.now());
  });
  const callbackSeconds = (performance.now() - t) / 1000;
  await Promise.race([reachedAll, new Promise((r) => setTimeout(r, 30_000))]);
  gateway.close();

  const delays = [...readyAt].flatMap(([orderId, times]) => times.map((at) => at - answeredAt.get(orderId)!)).sort((a, b) => a - b);
  const result: LiveResult = {
    subscribers: job.subscribers,
    reached,
    pushAfterAnswer: { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? NaN },
    callbacks: job.orders.length,
    callbacksPerSecond: job.orders.length / callbackSeconds,
    failures,
  };
  send({ kind: 'result', result });
  await Promise.all(clients.map((c) => c.dispose()));
}

process.once('message', (m: ToSubscribers) => {
  if (m.kind !== 'job') throw new Error('expected the job first');
  run(m).then(
    () => process.disconnect(),
    (e: unknown) => {
      console.error('subscribers failed:', e);
      process.exit(1);
    },
  );
});
