/**
 * Carries committed payment status changes to subscribers. In one process it delivers them to this process's
 * subscribers; with `REDIS_URL` every instance publishes to one Redis channel and every instance (itself included)
 * delivers what arrives on it to its own subscribers, so a change made on one instance reaches subscribers on all
 * of them.
 *
 * The Redis subscription is made (and acknowledged) at start-up, before any GraphQL subscriber can attach, so no
 * change falls between a subscriber's first read and its first push.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../app/logger.js';
import type { DependencyCheck } from '../health/readiness.js';
import type { PaymentStatusChange, StatusChangePublisher } from '../transition/status-change.js';
import { StatusStream, type StatusListener } from './status-stream.js';

const REDIS_CHANNEL = 'order-reconciler:payment-status';

export interface LiveStatusBusOptions {
  redisUrl?: string;
  /** Where Redis failures and unreadable messages are logged; the bus keeps going. */
  log?: Logger;
}

export class LiveStatusBus implements StatusChangePublisher {
  /** This instance's subscribers, by order id. An order's entry is removed with its last subscriber. */
  private readonly listeners = new Map<string, Set<StatusListener>>();
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
    else this.deliver(change);
  }

  /**
   * The stream a GraphQL subscriber reads: `readCurrent()` first (it also checks access), then every newer change
   * of the order. Closing it (`return()`) removes the subscriber from the bus at once.
   */
  watch(orderId: string, readCurrent: () => Promise<PaymentStatusChange>): AsyncIterableIterator<PaymentStatusChange> {
    return new StatusStream((listener) => this.attach(orderId, listener), readCurrent);
  }

  /** How many subscribers this instance holds: of one order, or of all orders. */
  listenerCount(orderId?: string): number {
    if (orderId !== undefined) return this.listeners.get(orderId)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([this.subscriber?.quit().catch(() => undefined), this.publisher?.quit().catch(() => undefined)]);
    this.subscriber = this.publisher = null;
  }

  private attach(orderId: string, listener: StatusListener): () => void {
    let set = this.listeners.get(orderId);
    if (!set) this.listeners.set(orderId, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.listeners.get(orderId);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.listeners.delete(orderId);
    };
  }

  private deliver(change: PaymentStatusChange): void {
    const set = this.listeners.get(change.orderId);
    if (!set) return;
    for (const listener of [...set]) listener.offer(change);
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
        this.deliver(JSON.parse(raw) as PaymentStatusChange);
      } catch (e) {
        onError(e);
      }
    });
    await this.subscriber.subscribe(REDIS_CHANNEL);
  }
}
