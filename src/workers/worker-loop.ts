/**
 * One background job run over and over: as long as it finds work it runs again at once; when it finds none it
 * sleeps for its poll interval. Stopping is bounded: the sleep is cut short, and the run in progress (a batch of
 * deliveries) is waited for up to the grace period, then left behind (its leases expire and another worker takes
 * the rows over).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../app/logger.js';

/** Work a loop can do. */
export interface BackgroundJob {
  readonly name: string;
  /**
   * Does one round of work; returns how many items it handled (0: nothing was due, sleep). Must not throw for an
   * item's own failure (that is recorded with the item); a throw (the database is away) is logged and the loop
   * sleeps before it tries again.
   */
  runOnce(): Promise<number>;
}

export class WorkerLoop {
  private readonly stopping = new AbortController();
  private current: Promise<unknown> = Promise.resolve();
  private done: Promise<void> | undefined;

  constructor(
    private readonly job: BackgroundJob,
    private readonly pollIntervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.done ??= this.loop();
  }

  /** Stops taking new work; waits for the run in progress up to `graceMs`. Returns whether it finished in time. */
  async stop(graceMs: number): Promise<boolean> {
    this.stopping.abort();
    const finished = await Promise.race([this.current.then(() => true, () => true), sleep(graceMs, false)]);
    if (!finished) this.log.warn({ job: this.job.name, graceMs }, 'stopped without waiting for the work in progress (its leases will expire)');
    return finished;
  }

  private async loop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let handled = 0;
      const run = this.job.runOnce();
      this.current = run;
      try {
        handled = await run;
      } catch (err) {
        this.log.warn({ err, job: this.job.name }, 'background job failed; trying again after the poll interval');
      }
      if (handled === 0) await sleep(this.pollIntervalMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }
}
