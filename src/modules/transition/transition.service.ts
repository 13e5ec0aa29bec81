/**
 * Runs every change to a cart lineage in one database transaction holding the lineage's lock: the cart row, locked
 * with `SELECT ... FOR UPDATE` on PostgreSQL, or claimed by a version check (retried on conflict) on SQLite. After
 * the commit, and only then, the changes are published to subscribers.
 */
import {
  DeadlockException,
  LockMode,
  LockWaitTimeoutException,
  OptimisticLockError,
} from '@mikro-orm/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseKind } from '../../config/config.js';
import type { Orm } from '../../db/orm.js';
import { NotFoundError } from '../../errors/app-errors.js';
import { Cart } from '../cart/cart.entity.js';
import { LineageTransaction } from './lineage-transaction.js';
import type { StatusChangePublisher } from './status-change.js';

/** Another writer claimed the lineage between our read and our claim: retry. */
export class LineageConflictError extends Error {
  constructor(cartId: string) {
    super(`lineage ${cartId} changed concurrently`);
    this.name = 'LineageConflictError';
  }
}

const MAX_ATTEMPTS = 8;
const BASE_BACKOFF_MS = 5; // doubled per attempt, with jitter

function isRetryable(e: unknown): boolean {
  if (
    e instanceof LineageConflictError ||
    e instanceof OptimisticLockError ||
    e instanceof DeadlockException ||
    e instanceof LockWaitTimeoutException
  ) {
    return true;
  }
  const code = (e as { code?: unknown })?.code;
  // SQLite's write lock held by another process past the busy timeout; PostgreSQL serialization failure.
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === '40001' || code === '40P01';
}

export class TransitionService {
  constructor(
    private readonly orm: Orm,
    private readonly dbKind: DatabaseKind,
    private readonly publisher: StatusChangePublisher,
  ) {}

  /**
   * Runs `work` inside one transaction of the lineage rooted at `cartId`. `work` may run more than once (on a
   * version conflict or deadlock), so it must do all its reads through `tx.em`.
   */
  async inLineage<T>(cartId: string, work: (tx: LineageTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const em = this.orm.em.fork({ clear: true });
      let tx: LineageTransaction | undefined;
      try {
        const result = await em.transactional(async (tem) => {
          const cart = await this.claim(tem, cartId);
          tx = new LineageTransaction(tem, cart);
          const result = await work(tx);
          await tx.writeOutbox();
          return result;
        });
        await this.publishAfterCommit(tx!);
        return result;
      } catch (e) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(e)) throw e;
        await sleep(BASE_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }

  private async claim(em: Orm['em'], cartId: string): Promise<Cart> {
    if (this.dbKind === DatabaseKind.POSTGRESQL) {
      const cart = await em.findOne(Cart, { id: cartId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!cart) throw new NotFoundError('Cart', cartId);
      return cart;
    }
    const cart = await em.findOne(Cart, { id: cartId });
    if (!cart) throw new NotFoundError('Cart', cartId);
    const claimed = await em.nativeUpdate(Cart, { id: cartId, lockVersion: cart.lockVersion }, { lockVersion: cart.lockVersion + 1 });
    if (claimed !== 1) throw new LineageConflictError(cartId);
    return cart;
  }

  private async publishAfterCommit(tx: LineageTransaction): Promise<void> {
    for (const change of tx.statusChanges()) {
      try {
        await this.publisher.publish(change);
      } catch {
        // The change is committed; a lost push is recovered by the subscriber's first read (current state first).
      }
    }
  }
}
