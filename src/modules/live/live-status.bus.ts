/**
 * Carries committed payment status changes to subscribers. Every change is delivered directly to this instance's
 * own subscribers; with `REDIS_URL` it is also published to one Redis channel, and every instance delivers what
 * the others publish there to its own subscribers, so a change made on one instance reaches subscribers on all.
 *
 * Redis is never in the way of an answer (DESIGN.md invariant 9): a publish does not wait for Redis, and while Redis
 * is away this instance's subscribers still hear its own changes. What Redis could not carry meanwhile is recovered
 * from the database: when the subscription to the channel is (re)established, and when another instance says it
 * could not publish, every local subscriber re-reads its order's current state and is sent it if it is newer.
 */
import { pino } from 'pino';
import type { Logger } from '../../app/logger.js';
import { REDIS_LIMIT_DEFAULTS, type RedisLimits } from '../../config/config.js';
import type { DependencyCheck } from '../health/readiness.js';
import type { PaymentStatusChange, StatusChangePublisher } from '../transition/status-change.js';
import { RedisFanOut } from './redis-fan-out.js';
import { StatusStream, type StatusListener } from './status-stream.js';

export interface LiveStatusBusOptions {
  /** Fan out through this Redis; without it the bus serves this process only. */
  redisUrl?: string;
  /** Timeouts and back-off of the Redis connections (defaults: REDIS_LIMIT_DEFAULTS). */
  redis?: Partial<RedisLimits>;
  /** Where Redis state changes (down, back) and resynchronisations are logged (default: nowhere). */
  log?: Logger;
}

/** One per process: the transition service publishes into it, GraphQL subscriptions read from it. */
export class LiveStatusBus implements StatusChangePublisher {
  /** This instance's subscribers, by order id. An order's entry is removed with its last subscriber. */
  private readonly listeners = new Map<string, Set<StatusListener>>();
  private readonly log: Logger;
  private fanOut: RedisFanOut | null = null;
  private resyncing = false;
  private resyncAgain = false;

  private constructor(options: LiveStatusBusOptions) {
    this.log = options.log ?? pino({ level: 'silent' });
  }

  /**
   * Makes the bus. With a Redis URL it waits until the channel is subscribed or the first connection attempt fails
   * (bounded by the connect and command timeouts), so that normally no change falls between start-up and the
   * first subscriber; if Redis is down the bus starts degraded and keeps connecting in the background. Never
   * throws because of Redis.
   */
  static async start(options: LiveStatusBusOptions = {}): Promise<LiveStatusBus> {
    const bus = new LiveStatusBus(options);
    if (options.redisUrl) {
      bus.fanOut = new RedisFanOut(
        options.redisUrl,
        { ...REDIS_LIMIT_DEFAULTS, ...options.redis },
        { onChange: (change) => bus.deliver(change), onResyncNeeded: (reason) => bus.resync(reason) },
        bus.log,
      );
      await bus.fanOut.start();
    }
    return bus;
  }

  /** Whether the bus fans out through Redis (it is configured; Redis may be down right now). */
  get usesRedis(): boolean {
    return this.fanOut !== null;
  }

  /**
   * Readiness of the Redis fan-out (null without Redis): fails with the reason while either connection is not
   * ready or the channel is not subscribed, otherwise PINGs Redis (bounded by the Redis command timeout).
   */
  healthCheck(): DependencyCheck | null {
    const fanOut = this.fanOut;
    return fanOut ? { name: 'redis', check: () => fanOut.check() } : null;
  }

  /**
   * Delivers a committed change to this instance's subscribers now, and hands it to Redis for the other
   * instances without waiting (a change Redis cannot take is recovered by their resynchronisation). Never throws.
   */
  publish(change: PaymentStatusChange): void {
    this.deliver(change);
    this.fanOut?.publish(change);
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

  /** Stops the Redis connections (without waiting for Redis). Local subscribers end with the server's sockets. */
  async close(): Promise<void> {
    this.fanOut?.close();
    this.fanOut = null;
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

  /**
   * Re-reads the current state of every order that has subscribers here, one order at a time (a recovering Redis
   * must not become a burst of reads on the database), and offers it to them; each keeps it only if it is newer
   * than what it has. One read per order serves all its subscribers: they were each authorised when they
   * subscribed, and the read is made with the first one's access. A request made while a pass runs starts one
   * more pass after it, since it may concern changes the running pass already read past.
   */
  private resync(reason: string): void {
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    void (async () => {
      try {
        do {
          this.resyncAgain = false;
          let orders = 0;
          let failed = 0;
          let lastError: unknown;
          for (const orderId of [...this.listeners.keys()]) {
            const first = this.listeners.get(orderId)?.values().next().value;
            if (!first) continue; // everyone left meanwhile
            orders++;
            try {
              this.deliver(await first.readCurrent());
            } catch (err) {
              failed++;
              lastError = err;
            }
          }
          if (orders > 0) {
            const entry = { reason, orders, failed, ...(failed ? { err: lastError } : {}) };
            if (failed) this.log.warn(entry, 'resynchronised live subscribers from the database; some orders could not be read (they catch up on their next change)');
            else this.log.info(entry, 'resynchronised live subscribers from the database');
          }
        } while (this.resyncAgain);
      } finally {
        this.resyncing = false;
      }
    })();
  }
}
