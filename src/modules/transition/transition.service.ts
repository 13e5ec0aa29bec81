/**
 * Runs every change to a cart lineage in one database transaction holding the lineage's lock: the cart row, locked
 * with `SELECT ... FOR UPDATE` on PostgreSQL, or on SQLite by bumping its version as the first statement (which takes
 * the database's write lock; retried while another writer holds it). After the commit, and only then, the changes
 * are published to subscribers.
 */
import { DeadlockException, LockMode, OptimisticLockError } from '@mikro-orm/core';
import type { Logger } from '../../app/logger.js';
import { DatabaseKind } from '../../config/config.js';
import { retryWhileBusy } from '../../db/busy-retry.js';
import { isLockContention } from '../../db/database-errors.js';
import type { Orm } from '../../db/orm.js';
import { NotFoundError } from '../../errors/app-errors.js';
import { Cart } from '../cart/cart.entity.js';
import { LineageTransaction } from './lineage-transaction.js';
import type { StatusChangePublisher } from './status-change.js';

/** Another writer got there first (a version conflict, a deadlock, a lock held elsewhere): run the work again. */
function isRetryable(e: unknown): boolean {
  return e instanceof OptimisticLockError || e instanceof DeadlockException || isLockContention(e);
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
   * its reads through `tx.em`. Throws what the last attempt threw.
   */
  async inLineage<T>(cartId: string, work: (tx: LineageTransaction) => Promise<T>): Promise<T> {
    let tx: LineageTransaction | undefined;
    const result = await retryWhileBusy(
      () =>
        this.orm.em.fork({ clear: true }).transactional(async (tem) => {
          const cart = await this.claim(tem, cartId);
          tx = new LineageTransaction(tem, cart);
          const result = await work(tx);
          await tx.writeOutbox();
          return result;
        }),
      this.busyTimeoutMs,
      isRetryable,
    );
    this.publishAfterCommit(tx!);
    return result;
  }

  private async claim(em: Orm['em'], cartId: string): Promise<Cart> {
    if (this.dbKind === DatabaseKind.POSTGRESQL) {
      const cart = await em.findOne(Cart, { id: cartId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!cart) throw new NotFoundError('Cart', cartId);
      return cart;
    }
    // One statement that bumps the version and hands back the row: as the transaction's first, it takes SQLite's
    // write lock at once (or fails busy, and the work is retried), so nothing can change the lineage between the
    // read and the claim, and another process that read the cart before it sees its version move.
    const [row] = await em
      .getConnection()
      .execute<Record<string, unknown>[]>('update carts set lock_version = lock_version + 1 where id = ? returning *', [cartId], 'all', em.getTransactionContext());
    if (!row) throw new NotFoundError('Cart', cartId);
    return em.map(Cart, row);
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
