/**
 * The stream one GraphQL subscriber reads: the order's current state first, then every newer change. A small
 * hand-written async iterator rather than an async generator: a generator suspended on `await` of the next change
 * cannot finish until that change comes, so closing a subscription would keep it (and everything it holds) alive
 * until the order changed again. Here `return()` detaches from the bus and settles at once.
 */
import type { PaymentStatusChange } from '../transition/status-change.js';

/** What the bus holds for one local subscriber. */
export interface StatusListener {
  /** Offers a change of the subscriber's order; it is kept only if newer than what the subscriber already has. */
  offer(change: PaymentStatusChange): void;
  /** Reads the order's current state with the subscriber's own access (throws if that access is refused). */
  readCurrent(): Promise<PaymentStatusChange>;
}

/** Registers a listener with the bus; returns the function that removes it. */
export type AttachListener = (listener: StatusListener) => () => void;

interface Waiter {
  resolve(result: IteratorResult<PaymentStatusChange>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<PaymentStatusChange> = Object.freeze({ value: undefined, done: true });

/**
 * Current state, then newer changes. Listening starts with the first `next()`, before the current state is read,
 * so nothing falls between the read and the first push; a change not newer (by `sequence`) than what was already
 * queued is dropped, so nothing goes backwards and duplicates (a resynchronisation, a change heard both directly
 * and through Redis) are harmless. If the current state cannot be read (no access, no such order, database down),
 * `next()` rejects with that error and the stream ends.
 */
export class StatusStream implements AsyncIterableIterator<PaymentStatusChange> {
  private started = false;
  private closed = false;
  /** Changes heard before the current state was read: sent after it, if newer. */
  private early: PaymentStatusChange[] | null = [];
  private readonly queue: PaymentStatusChange[] = [];
  private readonly waiters: Waiter[] = [];
  private lastSequence = -Infinity;
  private failure: { error: unknown } | null = null;
  private detach: (() => void) | null = null;

  constructor(
    private readonly attach: AttachListener,
    private readonly readCurrent: () => Promise<PaymentStatusChange>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<PaymentStatusChange>> {
    if (!this.started) this.start();
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Ends the stream now: the bus forgets this subscriber before this returns, and pending `next()` calls settle. */
  return(): Promise<IteratorResult<PaymentStatusChange>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  /** Ends the stream like `return()` and rejects with `error` (the async generator contract). */
  throw(error?: unknown): Promise<IteratorResult<PaymentStatusChange>> {
    this.finish();
    return Promise.reject(error);
  }

  private start(): void {
    this.started = true;
    this.detach = this.attach({ offer: (change) => this.offer(change), readCurrent: this.readCurrent });
    this.readCurrent().then(
      (current) => {
        if (this.closed) return;
        const early = this.early ?? [];
        this.early = null;
        this.push(current);
        for (const change of early) this.push(change);
      },
      (error: unknown) => this.fail(error),
    );
  }

  private offer(change: PaymentStatusChange): void {
    if (this.closed) return;
    if (this.early) this.early.push(change);
    else this.push(change);
  }

  private push(change: PaymentStatusChange): void {
    if (change.sequence <= this.lastSequence) return;
    this.lastSequence = change.sequence;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ value: change, done: false });
    else this.queue.push(change);
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    this.finish();
    if (waiter) waiter.reject(error);
    else this.failure = { error };
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach?.();
    this.detach = null;
    this.early = null;
    this.queue.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(DONE);
  }
}
