/**
 * The outbox's worker: claims due rows in batches, delivers each through its topic's handler, and records how it
 * went. Several workers (threads of one process, processes, instances) may run at once:
 *
 * - A claim is one statement that sets a lease (owner and expiry) on up to OUTBOX_BATCH_SIZE due rows nobody holds;
 *   on PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so concurrent claims never wait for each other. A
 *   worker that crashes leaves its rows leased until the lease expires; then another claims them.
 * - A delivery is recorded only by the lease's owner (`where lease_owner = me`): a worker whose lease was taken over
 *   records nothing, and for effects inside our database its whole transaction rolls back, so they happen once.
 * - A failed delivery is retried after an exponential back-off with jitter, and FAILED after OUTBOX_MAX_ATTEMPTS
 *   (or at once when its handler says no retry can help) with its last error, for the back office to see and retry
 *   by hand. A handler may say what failing for good means for the order (`onFailedForGood`): that runs in the
 *   order's lineage transaction that marks the row FAILED.
 * - While the process's front door is busy (src/workers/foreground-load.ts), a claim takes only rows due for longer
 *   than OUTBOX_YIELD_MAX_LAG_MS: the callbacks of a flash sale keep the CPU and the database, and the effects they
 *   owe follow when the rush ebbs, or once they are that late, whichever comes first.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../app/logger.js';
import { DatabaseKind, type OutboxPolicy } from '../../config/config.js';
import { retryWhileBusy } from '../../db/busy-retry.js';
import type { Orm } from '../../db/orm.js';
import type { ForegroundLoad } from '../../workers/foreground-load.js';
import type { BackgroundJob } from '../../workers/worker-loop.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { Order } from '../order/order.entity.js';
import { Payment } from '../payment/payment.entity.js';
import { storableText } from '../shared/storable-text.js';
import type { TransitionService } from '../transition/transition.service.js';
import { UndeliverableError, type FailureHook, type OutboxHandler } from './outbox-handler.js';
import { OutboxMessage, OutboxStatus, type OutboxTopic } from './outbox-message.entity.js';

/** A lineage transaction found the row no longer ours: roll back whatever it did. */
class LeaseLostError extends Error {
  constructor(id: number) {
    super(`outbox row ${id} was taken over by another worker`);
    this.name = 'LeaseLostError';
  }
}

const LAST_ERROR_KEEP_CHARS = 2000;

export class OutboxDispatcher implements BackgroundJob {
  readonly name = 'outbox';
  /** Who this worker is, in `lease_owner`: host, process and a random part (two loops in one process differ). */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 100);
  private givingWay = false;

  constructor(
    private readonly orm: Orm,
    private readonly dbKind: DatabaseKind,
    private readonly transitions: TransitionService,
    private readonly handlers: ReadonlyMap<OutboxTopic, OutboxHandler>,
    private readonly policy: OutboxPolicy,
    private readonly busyTimeoutMs: number,
    private readonly log: Logger,
    /** The front door of this process, when it has one (role `all`); none: never give way. */
    private readonly foreground?: Pick<ForegroundLoad, 'busy'>,
  ) {}

  async runOnce(): Promise<number> {
    const givingWay = await this.giveWay();
    const now = new Date();
    const rows = await this.claim(givingWay ? new Date(now.getTime() - this.policy.yieldMaxLagMs) : now, now);
    for (const row of rows) await this.deliver(row);
    return rows.length;
  }

  /** Leases up to a batch of rows of the topics this worker can deliver, due by `dueBy` (`now` unless giving way). */
  async claim(dueBy: Date, now = dueBy): Promise<OutboxMessage[]> {
    const topics = [...this.handlers.keys()];
    if (topics.length === 0) return [];
    const time = (d: Date) => (this.dbKind === DatabaseKind.SQLITE ? d.getTime() : d);
    const expires = new Date(now.getTime() + this.policy.leaseMs);
    const skipLocked = this.dbKind === DatabaseKind.POSTGRESQL ? 'for update skip locked' : '';
    const sql = `update outbox_messages set lease_owner = ?, lease_expires_at = ?
      where id in (select id from outbox_messages
        where status = ? and topic in (${topics.map(() => '?').join(', ')}) and next_attempt_at <= ?
          and (lease_expires_at is null or lease_expires_at < ?)
        order by next_attempt_at, id limit ? ${skipLocked})
      returning *`;
    const params = [this.owner, time(expires), OutboxStatus.PENDING, ...topics, time(dueBy), time(now), this.policy.batchSize];
    return retryWhileBusy(async () => {
      const em = this.orm.em.fork();
      const rows = await em.getConnection().execute<Record<string, unknown>[]>(sql, params);
      return rows.map((r) => em.map(OutboxMessage, r)).sort((a, b) => a.id - b.id);
    }, this.busyTimeoutMs);
  }

  /** Whether to give way to the front door now; says so in the log when that changes. */
  private async giveWay(): Promise<boolean> {
    const busy = this.policy.yieldMaxLagMs > 0 && this.foreground !== undefined && (await this.foreground.busy());
    if (busy !== this.givingWay) {
      this.givingWay = busy;
      if (busy) this.log.info({ maxLagMs: this.policy.yieldMaxLagMs }, 'the front door is busy: delivering only side effects that are late');
      else this.log.info('the front door is quiet again: delivering every due side effect');
    }
    return busy;
  }

  /** Delivers one claimed row and records the outcome; never throws for the row's own failure. */
  async deliver(row: OutboxMessage): Promise<void> {
    const handler = this.handlers.get(row.topic)!;
    if (handler.kind === 'external' && !this.leaseOutlasts(row, handler)) {
      // Rows of a batch are delivered one after another under one lease; when the ones before took long, what is
      // left of the lease may not cover this delivery, and another worker could take the row over and deliver it
      // again while this one still is. Handed back instead: the next claim (here or elsewhere) leases it afresh.
      await this.release(row).catch((err: unknown) => this.log.warn({ err, outboxId: row.id }, 'could not hand a row back; its lease will expire'));
      return;
    }
    try {
      if (handler.kind === 'database') await this.applyInLineage(row, handler);
      else {
        const answer = await handler.deliver(row);
        await this.markDone(row, answer ?? null);
      }
    } catch (e) {
      if (e instanceof LeaseLostError) return;
      await this.recordFailure(row, handler, e).catch((err: unknown) => this.log.warn({ err, outboxId: row.id }, 'could not record a failed delivery; its lease will expire'));
    }
  }

  private leaseOutlasts(row: OutboxMessage, handler: Extract<OutboxHandler, { kind: 'external' }>): boolean {
    if (handler.timeoutMs === undefined || !row.leaseExpiresAt) return true;
    return row.leaseExpiresAt.getTime() - Date.now() > handler.timeoutMs;
  }

  /** Gives up this worker's lease on a row it has not started to deliver; no attempt is counted. */
  private async release(row: OutboxMessage): Promise<void> {
    await retryWhileBusy(
      () => this.orm.em.fork().nativeUpdate(OutboxMessage, { id: row.id, leaseOwner: this.owner, status: OutboxStatus.PENDING }, { leaseOwner: null, leaseExpiresAt: null }),
      this.busyTimeoutMs,
    );
  }

  private async applyInLineage(row: OutboxMessage, handler: Extract<OutboxHandler, { kind: 'database' }>): Promise<void> {
    const orderId = row.orderId;
    if (!orderId) throw new Error(`outbox row ${row.id} (${row.topic}) names no order`);
    const { cartId } = await this.orm.em.fork().findOneOrFail(Order, { id: orderId }, { fields: ['cartId'] });
    const cause = { trigger: `outbox.${row.topic.toLowerCase()}`, source: TransitionSource.WORKER, detail: `outbox row ${row.id}` };
    await this.transitions.inLineage(cartId, async (tx) => {
      const order = await tx.em.findOneOrFail(Order, { id: orderId });
      const payment = await tx.em.findOneOrFail(Payment, { orderId });
      await handler.apply(tx, { order, payment }, row, cause);
      const marked = await tx.em.nativeUpdate(OutboxMessage, { id: row.id, leaseOwner: this.owner, status: OutboxStatus.PENDING }, this.doneFields(row, null));
      if (marked !== 1) throw new LeaseLostError(row.id);
    });
  }

  private async markDone(row: OutboxMessage, answer: string | null): Promise<void> {
    await retryWhileBusy(
      () => this.orm.em.fork().nativeUpdate(OutboxMessage, { id: row.id, leaseOwner: this.owner }, this.doneFields(row, answer)),
      this.busyTimeoutMs,
    );
  }

  private doneFields(row: OutboxMessage, answer: string | null) {
    return {
      status: OutboxStatus.DONE,
      attempts: row.attempts + 1,
      doneAt: new Date(),
      lastError: answer === null ? null : storableText(`answered: ${answer}`, LAST_ERROR_KEEP_CHARS),
      leaseOwner: null,
      leaseExpiresAt: null,
    };
  }

  private async recordFailure(row: OutboxMessage, handler: OutboxHandler, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const failed = attempts >= this.policy.maxAttempts || error instanceof UndeliverableError;
    const message = storableText(error instanceof Error ? error.message : String(error), LAST_ERROR_KEEP_CHARS);
    const next = new Date(Date.now() + this.backoffMs(attempts));
    const fields = { status: failed ? OutboxStatus.FAILED : OutboxStatus.PENDING, attempts, lastError: message, nextAttemptAt: next, leaseOwner: null, leaseExpiresAt: null };
    const onFailedForGood = handler.onFailedForGood?.bind(handler);
    if (failed && onFailedForGood && row.orderId) {
      if (!(await this.failInLineage(row, row.orderId, onFailedForGood, fields, message))) return;
    } else {
      await retryWhileBusy(() => this.orm.em.fork().nativeUpdate(OutboxMessage, { id: row.id, leaseOwner: this.owner }, fields), this.busyTimeoutMs);
    }
    this.log[failed ? 'error' : 'warn']({ outboxId: row.id, topic: row.topic, orderId: row.orderId, attempts, error: message }, failed ? 'side effect failed for good' : 'side effect failed; will retry');
  }

  /**
   * Marks the row FAILED and runs its handler's `onFailedForGood` in the order's lineage transaction, so the order
   * is flagged exactly when the row is FAILED. Returns false when the row was no longer ours (nothing written).
   */
  private async failInLineage(row: OutboxMessage, orderId: string, onFailedForGood: NonNullable<FailureHook['onFailedForGood']>, fields: Partial<OutboxMessage>, message: string): Promise<boolean> {
    const { cartId } = await this.orm.em.fork().findOneOrFail(Order, { id: orderId }, { fields: ['cartId'] });
    const cause = {
      trigger: `outbox.${row.topic.toLowerCase()}.failed`,
      source: TransitionSource.WORKER,
      detail: storableText(`outbox row ${row.id} failed for good after ${fields.attempts === 1 ? '1 attempt' : `${fields.attempts} attempts`}: ${message}`, LAST_ERROR_KEEP_CHARS),
    };
    try {
      await this.transitions.inLineage(cartId, async (tx) => {
        const marked = await tx.em.nativeUpdate(OutboxMessage, { id: row.id, leaseOwner: this.owner, status: OutboxStatus.PENDING }, fields);
        if (marked !== 1) throw new LeaseLostError(row.id);
        const order = await tx.em.findOneOrFail(Order, { id: orderId });
        const payment = await tx.em.findOneOrFail(Payment, { orderId });
        await onFailedForGood(tx, { order, payment }, row, message, cause);
      });
      return true;
    } catch (e) {
      if (e instanceof LeaseLostError) return false;
      throw e;
    }
  }

  /** Exponential, from OUTBOX_RETRY_BASE_MS up to OUTBOX_RETRY_MAX_MS, with "equal jitter" (half fixed, half random). */
  backoffMs(attempts: number): number {
    const ceiling = Math.min(this.policy.retryMaxMs, this.policy.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
}
