/**
 * Rejected messages (forged, malformed, not allowed) are kept for INBOX_REJECTED_RETENTION_HOURS to diagnose
 * them, then deleted, so a flood of junk cannot fill the disk over time. Verified messages are never deleted here:
 * they are the record of what the gateway said (invariant 7). Runs in every instance, at start and then hourly;
 * deleting in small batches keeps each write short.
 */
import type { Logger } from '../../app/logger.js';
import { retryWhileBusy } from '../../db/busy-retry.js';
import type { Orm } from '../../db/orm.js';
import { InboxMessage, InboxStatus } from './inbox-message.entity.js';

const SWEEP_EVERY_MS = 60 * 60 * 1000; // 1 hour
const BATCH = 500;

export class InboxRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly orm: Orm,
    private readonly retentionHours: number,
    private readonly busyTimeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** Sweeps now and then every hour, in the background (a failed sweep is logged and tried again next time). */
  start(): void {
    const sweep = () => {
      this.running ??= this.sweep()
        .then((deleted) => deleted && this.log.info({ deleted }, 'deleted old rejected notifications'))
        .catch((err: unknown) => this.log.warn({ err }, 'could not delete old rejected notifications'))
        .finally(() => (this.running = undefined));
    };
    sweep();
    this.timer = setInterval(sweep, SWEEP_EVERY_MS).unref();
  }

  /** Stops sweeping and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes every rejected message received before the retention window; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.retentionHours * 3_600_000);
    let deleted = 0;
    for (;;) {
      const n = await retryWhileBusy(async () => {
        const em = this.orm.em.fork();
        const old = await em.find(InboxMessage, { status: InboxStatus.REJECTED, receivedAt: { $lt: before } }, { fields: ['id'], limit: BATCH });
        return old.length ? em.nativeDelete(InboxMessage, { id: { $in: old.map((m) => m.id) } }) : 0;
      }, this.busyTimeoutMs);
      deleted += n;
      if (n < BATCH) return deleted;
    }
  }
}
