/**
 * The Redis side of the live-status bus: one connection that publishes, one that listens, both failing fast while
 * Redis is away and reconnecting in the background with a bounded back-off. Nothing here ever waits for Redis on
 * behalf of a request: a publish either goes out on a ready connection or is reported as not sent, at once.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../app/logger.js';
import type { RedisLimits } from '../../config/config.js';
import type { PaymentStatusChange } from '../transition/status-change.js';

/** Where every instance publishes committed changes (the message is the change as JSON, plus its origin). */
export const CHANGES_CHANNEL = 'order-reconciler:payment-status';
/**
 * Where an instance asks every instance to resynchronise its subscribers from the database: sent when its
 * publishing connection is back after publishes it could not make, which the others therefore never heard.
 */
export const RESYNC_CHANNEL = 'order-reconciler:payment-status:resync';

/** The first reconnect pause, milliseconds; it doubles per failed attempt up to `reconnectMaxDelayMs` (a setting). */
const FIRST_RECONNECT_DELAY_MS = 50;

/** What the fan-out tells its owner (the bus). */
export interface RedisFanOutEvents {
  /** A change published by another instance. */
  onChange(change: PaymentStatusChange): void;
  /**
   * The local subscribers may have missed changes: the channel subscription was just (re)established, or another
   * instance could not publish for a while. Called only once the subscription is active, so a read made after
   * this call misses nothing.
   */
  onResyncNeeded(reason: string): void;
}

/** Reads a message from the changes channel; null when it is not one (logged by the caller). */
function parseChange(raw: string): (PaymentStatusChange & { origin?: string }) | null {
  const parsed = JSON.parse(raw) as unknown;
  if (typeof parsed !== 'object' || parsed === null) return null;
  const m = parsed as Partial<PaymentStatusChange> & { origin?: unknown };
  if (typeof m.orderId !== 'string' || typeof m.sequence !== 'number') return null;
  return m as PaymentStatusChange & { origin?: string };
}

export class RedisFanOut {
  /** Tells this instance's own messages apart, so it does not deliver twice what it already delivered directly. */
  private readonly origin = randomUUID();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;
  /** Both connections ready and the channels subscribed. */
  private up = false;
  /** A "down" was logged and no "back" since: each state change is logged once. */
  private downLogged = false;
  private closed = false;
  private lastError: string | undefined;
  /** Changes this instance could not publish since its publisher was last up: the others must resynchronise. */
  private unpublished = 0;
  private firstOutcome: (() => void) | null = null;

  constructor(
    url: string,
    private readonly limits: RedisLimits,
    private readonly events: RedisFanOutEvents,
    private readonly log: Logger,
  ) {
    const options: RedisOptions = {
      lazyConnect: true,
      connectTimeout: limits.connectTimeoutMs,
      commandTimeout: limits.commandTimeoutMs,
      // Fail fast while Redis is away: no queue of commands waiting for the connection, no command retried on a
      // new connection, so a publish never holds anything up and never arrives late.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // The subscription is made again by this class on every `ready`, so it knows when it is active.
      autoResubscribe: false,
      retryStrategy: (attempt) => Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 20), limits.reconnectMaxDelayMs),
    };
    this.publisher = new Redis(url, { ...options, connectionName: 'order-reconciler:publish' });
    this.subscriber = new Redis(url, { ...options, connectionName: 'order-reconciler:subscribe' });
    // ioredis reports every failed attempt; keep the latest reason for readiness and the logs, log state changes only.
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (err: Error) => {
        this.lastError = err.message;
        this.firstOutcome?.();
      });
      connection.on('close', () => {
        if (connection === this.subscriber) this.subscribed = false;
        this.update();
      });
    }
    this.publisher.on('ready', () => {
      this.update();
      this.requestResyncIfNeeded();
    });
    this.subscriber.on('ready', () => this.subscribe());
    this.subscriber.on('message', (channel: string, raw: string) => this.receive(channel, raw));
  }

  /**
   * Starts connecting. Resolves when the channels are subscribed, or as soon as the first attempt fails (or after
   * the connect and command timeouts): the service then starts degraded and the connections keep trying.
   * Never throws.
   */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.firstOutcome?.(), this.limits.connectTimeoutMs + this.limits.commandTimeoutMs);
      this.firstOutcome = () => {
        clearTimeout(timer);
        this.firstOutcome = null;
        resolve();
      };
      // The promises reject when an attempt fails; the retry strategy keeps trying and the events above tell.
      this.publisher.connect().catch(() => undefined);
      this.subscriber.connect().catch(() => undefined);
    });
    if (!this.up) this.logDown();
  }

  /**
   * Publishes a change to the other instances without waiting; never throws. When the publishing connection is
   * not ready the change is not sent at all (the bus has delivered it locally already); a change not sent, or
   * whose publish fails later, is counted, and the other instances are asked to resynchronise once the
   * connection is ready again.
   */
  publish(change: PaymentStatusChange): void {
    if (this.closed || this.publisher.status !== 'ready') {
      this.unpublished++;
      return;
    }
    this.publisher.publish(CHANGES_CHANNEL, JSON.stringify({ ...change, origin: this.origin })).catch((err: unknown) => {
      this.unpublished++;
      this.lastError = err instanceof Error ? err.message : String(err);
      // Published on a connection that is up but failing (a timeout): the resync request goes out once it answers.
      if (this.publisher.status === 'ready') this.requestResyncIfNeeded();
    });
  }

  /** Throws (with the reason) unless both connections are up and subscribed; then PINGs through the publisher. */
  async check(): Promise<void> {
    if (!this.up) throw new Error(this.describeProblem());
    await this.publisher.ping();
  }

  /** Closes both connections at once, without waiting for Redis (which may be away). */
  close(): void {
    this.closed = true;
    this.firstOutcome?.();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private subscribe(): void {
    this.subscriber.subscribe(CHANGES_CHANNEL, RESYNC_CHANNEL).then(
      () => {
        this.subscribed = true;
        this.update();
        // Whatever was published while this connection was away never reached it: read it from the database.
        this.events.onResyncNeeded('the Redis subscription is (re)established');
      },
      (err: unknown) => {
        this.lastError = `subscribe failed: ${err instanceof Error ? err.message : String(err)}`;
        // A refused SUBSCRIBE on a live connection would leave this instance deaf for good: start over.
        if (!this.closed && this.subscriber.status === 'ready') this.subscriber.disconnect(true);
      },
    );
  }

  private requestResyncIfNeeded(): void {
    if (this.unpublished === 0 || this.publisher.status !== 'ready') return;
    const missed = this.unpublished;
    this.unpublished = 0;
    this.publisher.publish(RESYNC_CHANNEL, this.origin).then(
      () => this.log.info({ missed }, 'asked the other instances to resynchronise: changes made here while Redis was away did not reach them'),
      () => {
        // Still failing: ask again when the connection is next ready.
        this.unpublished += missed;
      },
    );
  }

  private receive(channel: string, raw: string): void {
    if (channel === RESYNC_CHANNEL) {
      if (raw !== this.origin) this.events.onResyncNeeded('another instance could not publish while Redis was away');
      return;
    }
    let change: ReturnType<typeof parseChange>;
    try {
      change = parseChange(raw);
    } catch {
      change = null;
    }
    if (!change) {
      this.log.warn({ channel, bytes: raw.length }, 'ignored an unreadable live-status message from Redis');
      return;
    }
    if (change.origin === this.origin) return; // delivered directly when it was published
    const { origin: _origin, ...plain } = change;
    this.events.onChange(plain);
  }

  /** Logs state changes once each (not once per failed attempt or command). */
  private update(): void {
    const up = !this.closed && this.publisher.status === 'ready' && this.subscribed;
    if (up === this.up) return;
    this.up = up;
    if (up) {
      this.lastError = undefined; // a reason given later is about the next outage
      this.firstOutcome?.();
      if (this.downLogged) this.log.info('redis back: live status fans out across instances again');
      else this.log.info('redis connected: live status fans out across instances');
      this.downLogged = false;
    } else {
      this.logDown();
    }
  }

  private logDown(): void {
    if (this.closed || this.downLogged) return;
    this.downLogged = true;
    this.log.warn({ reason: this.describeProblem() }, 'redis down: live status reaches this instance\'s subscribers only, until it is back');
  }

  private describeProblem(): string {
    const subscriber = this.subscribed ? 'subscribed' : this.subscriber.status;
    const reason = this.lastError ? `; last error: ${this.lastError}` : '';
    return `redis not usable (publisher: ${this.publisher.status}, subscriber: ${subscriber})${reason}`.slice(0, 300);
  }
}
