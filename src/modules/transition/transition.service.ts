/**
 * Runs every change to a cart lineage in one database transaction holding the lineage's lock: the cart row, locked
 * with `SELECT ... FOR UPDATE` on PostgreSQL; on SQLite, whose transactions SQLite itself serialises, the work is
 * run again when another writer holds the database or committed since it read (see lineage-rows.ts). After the
 * commit, and only then, the changes are published to subscribers.
 */
import { DeadlockException, OptimisticLockError } from '@mikro-orm/core';
import type { Logger } from '../../app/logger.js';
import { DatabaseKind } from '../../config/config.js';
import { retryWhileBusy } from '../../db/busy-retry.js';
import { isLockContention, isStalePreparedStatement } from '../../db/database-errors.js';
import type { Orm } from '../../db/orm.js';
import { NotFoundError } from '../../errors/app-errors.js';
import { LineageTransaction } from './lineage-transaction.js';
import { claim, type Claimed, type LineageOf } from './lineage-rows.js';
import type { StatusChangePublisher } from './status-change.js';

/** What {@link TransitionService.inLineageOf} returns when there is no such lineage. */
export const NO_LINEAGE = Symbol('no such lineage');

/**
 * Another writer got there first (a version conflict, a deadlock, a lock held elsewhere), or a prepared statement
 * went stale under a migration: run the work again.
 */
function isRetryable(e: unknown): boolean {
  return e instanceof OptimisticLockError || e instanceof DeadlockException || isLockContention(e) || isStalePreparedStatement(e);
}

export class TransitionService {
  constructor(
    private readonly orm: Orm,
    private readonly dbKind: DatabaseKind,
    private readonly publisher: StatusChangePublisher,
    private readonly log: Logger,
    /** How long a transaction keeps retrying while other writers hold the lineage (DATABASE_BUSY_TIMEOUT_MS). */
    private readonly busyTimeoutMs: number,
  ) {}

  /**
   * Runs `work` inside one transaction of the lineage rooted at `cartId`. `work` may run more than once (on a
   * version conflict, a deadlock or a lock held by another writer, for up to the busy timeout), so it must do all
   * its reads through `tx.em`. Throws what the last attempt threw; NotFoundError when there is no such cart.
   */
  async inLineage<T>(cartId: string, work: (tx: LineageTransaction) => Promise<T>): Promise<T> {
    const result = await this.inLineageOf({ cartId }, work);
    if (result === NO_LINEAGE) throw new NotFoundError('Cart', cartId);
    return result;
  }

  /**
   * As {@link inLineage}, for the lineage of an order or of a payment known by its gateway reference, found by the
   * statement that claims it (one statement, not a look-up and then a claim). Returns NO_LINEAGE, having run
   * nothing, when there is no such order or payment.
   */
  async inLineageOf<T>(of: LineageOf, work: (tx: LineageTransaction) => Promise<T>): Promise<T | typeof NO_LINEAGE> {
    let tx: LineageTransaction | undefined;
    const result = await retryWhileBusy(
      () =>
        this.orm.em.fork({ clear: true }).transactional(async (tem) => {
          tx = undefined;
          const claimed = await claim(tem, this.dbKind, of);
          if (!claimed) return NO_LINEAGE;
          tx = new LineageTransaction(tem, this.dbKind, of, claimed);
          const result = await work(tx);
          await tx.writeRecords();
          return result;
        }),
      this.busyTimeoutMs,
      isRetryable,
    );
    if (tx) this.publishAfterCommit(tx);
    return result;
  }

  /**
   * Hands the committed changes to the live-status bus without waiting for it: a slow or absent Redis must never
   * hold up the answer. A failed publish is logged; the bus resynchronises its subscribers when it recovers.
   */
  private publishAfterCommit(tx: LineageTransaction): void {
    for (const change of tx.statusChanges()) {
      Promise.resolve()
        .then(() => this.publisher.publish(change))
        .catch((err: unknown) => this.log.warn({ err, orderId: change.orderId, sequence: change.sequence }, 'could not publish a status change'));
    }
  }
}
