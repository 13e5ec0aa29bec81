/**
 * Carries committed payment status changes to subscribers. In one process it is an in-memory pub/sub; with
 * `REDIS_URL` every instance publishes to one Redis channel and every instance (itself included) delivers what
 * arrives on it to its own subscribers, so a change made on one instance reaches subscribers on all of them.
 *
 * The Redis subscription is made (and acknowledged) at start-up, before any GraphQL subscriber can attach, so no
 * change falls between a subscriber's first read and its first push.
 */
import { createPubSub } from '@graphql-yoga/subscription';
import { Redis } from 'ioredis';
import type { Logger } from '../../app/logger.js';
import type { DependencyCheck } from '../health/readiness.js';
import type { PaymentStatusChange, StatusChangePublisher } from '../transition/status-change.js';

export enum LiveTopic {
  PAYMENT_STATUS_CHANGED = 'PAYMENT_STATUS_CHANGED',
}

/** Typed topics: each publishes with the order id as routing key. */
type Topics = { [LiveTopic.PAYMENT_STATUS_CHANGED]: [orderId: string, change: PaymentStatusChange] };

const REDIS_CHANNEL = 'order-reconciler:payment-status';

export interface LiveStatusBusOptions {
  redisUrl?: string;
  /** Where Redis failures and unreadable messages are logged; the bus keeps going. */
  log?: Logger;
}

export class LiveStatusBus implements StatusChangePublisher {
  private readonly local = createPubSub<Topics>();
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;

  private constructor(private readonly options: LiveStatusBusOptions) {}

  static async start(options: LiveStatusBusOptions = {}): Promise<LiveStatusBus> {
    const bus = new LiveStatusBus(options);
    if (options.redisUrl) await bus.connectRedis(options.redisUrl);
    return bus;
  }

  get usesRedis(): boolean {
    return this.publisher !== null;
  }

  /** Readiness of the Redis fan-out (none without Redis): both connections answer a PING. */
  healthCheck(): DependencyCheck | null {
    if (!this.publisher || !this.subscriber) return null;
    const publisher = this.publisher;
    return { name: 'redis', check: async () => void (await publisher.ping()) };
  }

  async publish(change: PaymentStatusChange): Promise<void> {
    if (this.publisher) await this.publisher.publish(REDIS_CHANNEL, JSON.stringify(change));
    else this.local.publish(LiveTopic.PAYMENT_STATUS_CHANGED, change.orderId, change);
  }

  /** Changes of one order, from now on. Listening starts with the first `next()` call. */
  subscribe(orderId: string): AsyncIterableIterator<PaymentStatusChange> {
    return this.local.subscribe(LiveTopic.PAYMENT_STATUS_CHANGED, orderId)[Symbol.asyncIterator]() as AsyncIterableIterator<PaymentStatusChange>;
  }

  async close(): Promise<void> {
    await Promise.all([this.subscriber?.quit().catch(() => undefined), this.publisher?.quit().catch(() => undefined)]);
    this.subscriber = this.publisher = null;
  }

  private async connectRedis(url: string): Promise<void> {
    const onError = (err: unknown) => this.options.log?.warn({ err }, 'redis');
    this.publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.subscriber = new Redis(url, { lazyConnect: true });
    this.publisher.on('error', onError);
    this.subscriber.on('error', onError);
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    this.subscriber.on('message', (_channel: string, raw: string) => {
      try {
        const change = JSON.parse(raw) as PaymentStatusChange;
        this.local.publish(LiveTopic.PAYMENT_STATUS_CHANGED, change.orderId, change);
      } catch (e) {
        onError(e);
      }
    });
    await this.subscriber.subscribe(REDIS_CHANNEL);
  }
}

/**
 * The stream a subscriber sees: the current state first, then every newer change. Listening starts before the
 * current state is read, and pushes not newer than what was already sent are dropped, so nothing is missed and
 * nothing goes backwards.
 */
export async function* currentThenChanges(
  changes: AsyncIterableIterator<PaymentStatusChange>,
  readCurrent: () => Promise<PaymentStatusChange>,
): AsyncGenerator<PaymentStatusChange> {
  let pending = changes.next(); // starts listening now, before the read below
  try {
    const current = await readCurrent();
    let last = current.sequence;
    yield current;
    for (;;) {
      const next = await pending;
      if (next.done) return;
      pending = changes.next();
      if (next.value.sequence > last) {
        last = next.value.sequence;
        yield next.value;
      }
    }
  } finally {
    await changes.return?.();
  }
}
