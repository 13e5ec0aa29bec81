/**
 * Whether this process's front door is busy: the outbox's workers give way to it (OutboxPolicy.yieldMaxLagMs), since
 * a gateway waits on each callback's answer and resends when it is slow, while an e-mail or a stock ledger row can
 * come a little later. Two signs, either one enough:
 *
 * - the event loop stays busy while the worker itself is idle: it pauses for a short look (LOOK_MS) and measures the
 *   loop's utilisation meanwhile. On SQLite this is the only sign: better-sqlite3 answers synchronously, so a
 *   request runs from its first byte to its answer within one turn of the loop and is never seen "in flight";
 * - HTTP requests waiting for their answer (read, not yet answered): on PostgreSQL the loop may idle while
 *   requests wait for the database.
 *
 * A process without HTTP (SERVICE_ROLE=worker) has no front door: it never gives way.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long one look at the loop lasts, milliseconds: the worker's pause, and the window it measures. */
const LOOK_MS = 25;
/** A look's verdict is reused this long, milliseconds, so a worker catching up pauses for a look only now and then. */
export const LOOP_VERDICT_MS = 500;
/** The loop is busy when it worked this share of the look without the worker. */
const BUSY_LOOP = 0.9;

export class ForegroundLoad {
  private inFlight = 0;
  /** The last look at the loop: requests in flight are counted afresh each time, the loop is looked at now and then. */
  private loopVerdict: { busy: boolean; at: number } | undefined;

  /** `busyAtInFlight`: requests waiting for their answer that make the front door busy (0: that sign is off). */
  constructor(private readonly busyAtInFlight: number) {}

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** A request came in; call the returned function once when it is answered or abandoned (a second call does nothing). */
  enter(): () => void {
    this.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
    };
  }

  /** Whether the front door is busy now; may pause the caller for a look at the loop (see the file's comment). */
  async busy(): Promise<boolean> {
    if (this.busyAtInFlight > 0 && this.inFlight >= this.busyAtInFlight) return true;
    if (this.loopVerdict && performance.now() - this.loopVerdict.at < LOOP_VERDICT_MS) return this.loopVerdict.busy;
    const before = performance.eventLoopUtilization();
    await sleep(LOOK_MS);
    const busy = performance.eventLoopUtilization(before).utilization >= BUSY_LOOP;
    this.loopVerdict = { busy, at: performance.now() };
    return busy;
  }
}
