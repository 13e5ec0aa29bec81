/**
 * Delivers callbacks like QuickPay: one signed POST per change of a payment, retried on any answer but 2xx / 302 /
 * 303 every `retryIntervalMs` up to `maxAttempts` attempts, first attempts in the order of the operations. The
 * payment's faults (delay, duplicate, drop, reorder, failFirstAttempt) bend that on purpose, and every attempt is
 * logged so tests can see exactly what the shop was sent.
 */
import { signCallbackBody } from '../gateways/quickpay/quickpay.signing.js';
import type { Faults } from './faults.js';
import type { SimPayment } from './payment-resource.js';
import { postCallback } from './post-callback.js';

/** One HTTP attempt to deliver one copy of one callback. */
export interface DeliveryAttempt {
  callbackId: number;
  paymentId: number;
  /** The newest operation in the body (null for a payment without operations). */
  operationId: number | null;
  /** 0 for the original, 1..N for the copies the `duplicate` fault adds. */
  copy: number;
  /** 1 for the first attempt of this copy. */
  attempt: number;
  /** When the request started (ISO 8601). */
  at: string;
  durationMs: number;
  /** The shop's HTTP status, or null when there was no answer (see `error`). */
  statusCode: number | null;
  error: string | null;
  /** False when the simulator signed this attempt wrongly on purpose. */
  checksumValid: boolean;
  /** The shop's answer counts as delivered (2xx, 302, 303): no more retries for this copy. */
  delivered: boolean;
}

/** Where one copy of a callback stands. */
export type CopyStatus = 'waiting' | 'sending' | 'retrying' | 'delivered' | 'failed' | 'dropped' | 'stopped';

/** One callback (one change of one payment) and its copies. */
export interface CallbackSummary {
  id: number;
  paymentId: number;
  operationId: number | null;
  createdAt: string;
  /** `held` by the reorder fault, `dropped` by the drop fault, otherwise `queued` then `started`. */
  status: 'queued' | 'held' | 'dropped' | 'started' | 'stopped';
  copies: { copy: number; status: CopyStatus; attempts: number }[];
}

/** What to send: the resource as it is after the change. */
export interface CallbackRequest {
  paymentId: number;
  callbackUrl: string;
  resource: SimPayment;
  /** This callback's first attempt carries a wrong checksum whatever the faults say (card expiry 01/25). */
  failFirstAttempt?: boolean;
}

/** The part of a pino / fastify logger the sender uses. */
export interface SenderLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Delivery settings (QuickPay's: hourly, 24 attempts; tests use milliseconds). */
export interface CallbackSenderOptions {
  privateKey: string;
  retryIntervalMs: number;
  maxAttempts: number;
  /** QuickPay gives up on one attempt after this long. */
  timeoutMs: number;
  /** Read at every attempt, so faults changed mid-retry take effect. */
  faultsFor(paymentId: number): Faults;
  logger?: SenderLogger;
}

interface Callback extends CallbackSummary {
  url: string;
  body: string;
  merchantId: string;
  resourceType: string;
  failFirstAttempt: boolean;
}

interface Waiter {
  check(): boolean;
  timer: NodeJS.Timeout;
  reject(e: Error): void;
}

const isDelivered = (status: number) => (status >= 200 && status < 300) || status === 302 || status === 303;

/** Queues, sends, retries and logs callbacks; one per simulator instance. */
export class CallbackSender {
  private nextId = 1;
  private readonly callbacks = new Map<number, Callback[]>();
  private readonly attempts = new Map<number, DeliveryAttempt[]>();
  /** The callback the reorder fault holds back, per payment, until the next one has been sent. */
  private readonly held = new Map<number, Callback>();
  /** Per payment, resolves when the latest callback's first attempts are over: keeps first attempts in order. */
  private readonly chains = new Map<number, Promise<void>>();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; resolve(ok: boolean): void }>();
  private readonly waiters = new Set<Waiter>();
  private abort = new AbortController();
  /** Bumped by reset(): loops of an older generation stop and record nothing more. */
  private generation = 0;
  private closed = false;

  constructor(private readonly opts: CallbackSenderOptions) {}

  /** Queues a callback, applying the payment's faults at this moment; returns its summary. */
  send(request: CallbackRequest): CallbackSummary {
    const faults = this.opts.faultsFor(request.paymentId);
    const copies = 1 + Math.max(0, faults.duplicate ?? 0);
    const cb: Callback = {
      id: this.nextId++,
      paymentId: request.paymentId,
      operationId: request.resource.operations.at(-1)?.id ?? null,
      createdAt: new Date().toISOString(),
      status: 'queued',
      copies: Array.from({ length: copies }, (_, copy) => ({ copy, status: 'waiting' as CopyStatus, attempts: 0 })),
      url: request.callbackUrl,
      // Serialised once: every attempt and copy carries the same bytes, as the resource was after this change.
      body: JSON.stringify(request.resource),
      merchantId: String(request.resource.merchant_id),
      resourceType: request.resource.type,
      failFirstAttempt: request.failFirstAttempt ?? false,
    };
    this.listFor(this.callbacks, request.paymentId).push(cb);
    if (this.closed) {
      cb.status = 'stopped';
    } else if (faults.drop) {
      cb.status = 'dropped';
      for (const c of cb.copies) c.status = 'dropped';
      this.opts.logger?.info({ paymentId: cb.paymentId, callbackId: cb.id }, 'callback dropped (fault)');
    } else if (faults.reorder && !this.held.has(cb.paymentId)) {
      cb.status = 'held';
      this.held.set(cb.paymentId, cb);
    } else {
      const previous = this.held.get(cb.paymentId);
      this.held.delete(cb.paymentId);
      this.enqueue(cb);
      // The chain starts the held one only after this one's first attempt: the two arrive swapped.
      if (previous) this.enqueue(previous);
    }
    return summarise(cb);
  }

  /** Sends the callback the reorder fault is holding for this payment, if any (e.g. once reorder is turned off). */
  flushHeld(paymentId: number): void {
    const held = this.held.get(paymentId);
    if (!held) return;
    this.held.delete(paymentId);
    this.enqueue(held);
  }

  /** Every attempt for one payment (or all payments), in the order they ended. */
  deliveries(paymentId?: number): DeliveryAttempt[] {
    if (paymentId !== undefined) return [...(this.attempts.get(paymentId) ?? [])];
    return [...this.attempts.values()].flat().sort((a, b) => a.at.localeCompare(b.at));
  }

  /** The callbacks queued for one payment, oldest first. */
  callbacksOf(paymentId: number): CallbackSummary[] {
    return (this.callbacks.get(paymentId) ?? []).map(summarise);
  }

  /**
   * Resolves with the payment's attempts once at least `n` of them (matching `predicate`, if given) have ended;
   * rejects after `timeoutMs` with what was seen, or when the simulator closes.
   */
  waitForDeliveries(
    paymentId: number,
    n: number,
    timeoutMs = 5000,
    predicate: (a: DeliveryAttempt) => boolean = () => true,
  ): Promise<DeliveryAttempt[]> {
    const matching = () => this.deliveries(paymentId).filter(predicate);
    if (matching().length >= n) return Promise.resolve(matching());
    if (this.closed) return Promise.reject(new Error('simulator closed'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          if (matching().length < n) return false;
          resolve(matching());
          return true;
        },
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const seen = this.deliveries(paymentId).map((a) => `#${a.callbackId}.${a.copy} try ${a.attempt}: ${a.statusCode ?? a.error}`);
          reject(new Error(`payment ${paymentId}: wanted ${n} deliveries within ${timeoutMs} ms, saw ${seen.length}: ${seen.join('; ') || 'none'}`));
        }, timeoutMs),
        reject,
      };
      this.waiters.add(waiter);
    });
  }

  /** Stops every pending send and retry and forgets every callback and attempt. */
  reset(): void {
    this.stopInFlight();
    this.callbacks.clear();
    this.attempts.clear();
    this.held.clear();
    this.chains.clear();
  }

  /** Stops every timer and request and rejects pending waits, so a test process can exit. */
  close(): void {
    this.closed = true;
    this.stopInFlight();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('simulator closed'));
    }
    this.waiters.clear();
  }

  private stopInFlight(): void {
    this.generation++;
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.resolve(false);
    }
    this.sleeps.clear();
    this.abort.abort();
    this.abort = new AbortController();
  }

  private enqueue(cb: Callback): void {
    const generation = this.generation;
    const before = this.chains.get(cb.paymentId) ?? Promise.resolve();
    this.chains.set(cb.paymentId, before.then(() => this.start(cb, generation)));
  }

  /** Starts every copy at once; resolves when each copy's first attempt is over. */
  private async start(cb: Callback, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    cb.status = 'started';
    await Promise.all(
      cb.copies.map(
        (_, copy) =>
          new Promise<void>((firstAttemptOver) => {
            this.runCopy(cb, copy, generation, firstAttemptOver).catch((e: unknown) => {
              this.opts.logger?.warn({ err: e, callbackId: cb.id }, 'callback loop failed');
              firstAttemptOver();
            });
          }),
      ),
    );
  }

  private async runCopy(cb: Callback, copy: number, generation: number, firstAttemptOver: () => void): Promise<void> {
    const state = cb.copies[copy];
    const live = () => generation === this.generation;
    try {
      for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
        if (attempt > 1 && !(await this.sleep(this.opts.retryIntervalMs))) break;
        const faults = this.opts.faultsFor(cb.paymentId);
        if (faults.drop) {
          state.status = 'dropped';
          return;
        }
        if (faults.delayMs && !(await this.sleep(faults.delayMs))) break;
        if (!live()) break;
        const checksumValid = !(attempt === 1 && (cb.failFirstAttempt || faults.failFirstAttempt));
        state.status = 'sending';
        const startedAt = new Date();
        const result = await postCallback(cb.url, cb.body, this.headers(cb, checksumValid), this.opts.timeoutMs, this.abort.signal);
        if (!live()) break;
        const delivered = result.statusCode !== null && isDelivered(result.statusCode);
        state.attempts = attempt;
        this.record({
          callbackId: cb.id,
          paymentId: cb.paymentId,
          operationId: cb.operationId,
          copy,
          attempt,
          at: startedAt.toISOString(),
          durationMs: Date.now() - startedAt.getTime(),
          statusCode: result.statusCode,
          error: result.error,
          checksumValid,
          delivered,
        });
        firstAttemptOver();
        if (delivered) {
          state.status = 'delivered';
          return;
        }
        state.status = 'retrying';
      }
      state.status = live() ? 'failed' : 'stopped';
    } finally {
      if (!live() && state.status !== 'delivered' && state.status !== 'dropped') state.status = 'stopped';
      firstAttemptOver();
    }
  }

  private headers(cb: Callback, checksumValid: boolean): Record<string, string> {
    // A wrong but well-formed checksum: the shop must reject it on verification, not on its shape.
    const key = checksumValid ? this.opts.privateKey : `not-the-private-key:${this.opts.privateKey}`;
    return {
      'Content-Type': 'application/json',
      'QuickPay-Resource-Type': cb.resourceType,
      'QuickPay-Account-ID': cb.merchantId,
      'QuickPay-API-Version': 'v10',
      'QuickPay-Checksum-Sha256': signCallbackBody(cb.body, key),
      'User-Agent': 'QuickPay-Simulator/v10',
    };
  }

  private record(attempt: DeliveryAttempt): void {
    this.listFor(this.attempts, attempt.paymentId).push(attempt);
    const level = attempt.delivered ? 'info' : 'warn';
    this.opts.logger?.[level](
      { paymentId: attempt.paymentId, callbackId: attempt.callbackId, copy: attempt.copy, attempt: attempt.attempt, statusCode: attempt.statusCode, error: attempt.error },
      attempt.delivered ? 'callback delivered' : 'callback attempt failed',
    );
    for (const w of this.waiters) {
      if (w.check()) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
      }
    }
  }

  /** Resolves true after `ms`, or false at once when the sender is reset or closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      this.sleeps.add(entry);
    });
  }

  private listFor<T>(map: Map<number, T[]>, key: number): T[] {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    return list;
  }
}

function summarise(cb: Callback): CallbackSummary {
  return {
    id: cb.id,
    paymentId: cb.paymentId,
    operationId: cb.operationId,
    createdAt: cb.createdAt,
    status: cb.status,
    copies: cb.copies.map((c) => ({ ...c })),
  };
}
