/**
 * Waiting for another writer without blocking the process: the work is tried again after short asynchronous
 * pauses (doubling, with jitter) until it succeeds, fails for another reason, or the time budget
 * (DATABASE_BUSY_TIMEOUT_MS) is spent; then the last error is thrown, and the entry point answers it as
 * "unavailable, retry later".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Em, Orm } from './orm.js';
import { isLockContention } from './database-errors.js';

const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 200;

/**
 * Runs `work` until it succeeds, retrying while `retryable(error)` and within `budgetMs`. `work` may run several
 * times, so it must start from scratch each time (a fresh EntityManager, nothing kept from a failed attempt).
 */
export async function retryWhileBusy<T>(work: () => Promise<T>, budgetMs: number, retryable: (e: unknown) => boolean = isLockContention): Promise<T> {
  const deadline = performance.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      const left = deadline - performance.now();
      if (!retryable(e) || left <= 0) throw e;
      const pause = Math.min(FIRST_PAUSE_MS * 2 ** (attempt - 1), LONGEST_PAUSE_MS) * (0.5 + Math.random());
      await sleep(Math.min(pause, left));
    }
  }
}

/** Writes outside a lineage (catalogue, promotions, new carts, the inbox) with the same patience for locks. */
export class EntityWriter {
  constructor(
    private readonly orm: Orm,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Runs `work` (statements of its own, no flush) on a fresh EntityManager, retried while another writer holds the lock. */
  async run<T>(work: (em: Em) => Promise<T>): Promise<T> {
    return retryWhileBusy(() => work(this.orm.em.fork()), this.busyTimeoutMs);
  }

  /** Runs `work` on a fresh EntityManager and flushes it, retrying the whole while another writer holds the lock. */
  async write<T>(work: (em: Em) => T | Promise<T>): Promise<T> {
    return retryWhileBusy(async () => {
      const em = this.orm.em.fork();
      const result = await work(em);
      await em.flush();
      return result;
    }, this.busyTimeoutMs);
  }
}
