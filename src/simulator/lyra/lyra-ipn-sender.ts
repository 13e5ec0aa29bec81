/**
 * Posts signed form IPNs to the shop's `vads_url_check`, as Lyra does: url-encoded, no redirects followed, a
 * failure (anything but 200-206, 301-308) retried a few times, with the simulator's faults: drop, duplicate, delay
 * and reorder (held back, then sent newest first).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface LyraFaults {
  /** IPNs still to drop (never sent). */
  dropNext: number;
  /** Send each IPN twice. */
  duplicate: boolean;
  /** Wait this long before sending. */
  delayMs: number;
  /** Hold IPNs back until `flush()`, then send them newest first. */
  reorder: boolean;
}

export interface SentIpn {
  url: string;
  fields: Record<string, string>;
  status: number | null;
  body: string;
}

const SUCCESS = (s: number) => (s >= 200 && s <= 206) || [301, 302, 303, 307, 308].includes(s);

export class LyraIpnSender {
  readonly faults: LyraFaults = { dropNext: 0, duplicate: false, delayMs: 0, reorder: false };
  readonly sent: SentIpn[] = [];
  private held: { url: string; fields: Record<string, string> }[] = [];
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly options: { retryIntervalMs: number; maxAttempts: number }) {}

  /** Queues one IPN; returns once it is handed off (not once it is answered). */
  send(url: string, fields: Record<string, string>): void {
    if (this.faults.dropNext > 0) {
      this.faults.dropNext--;
      return;
    }
    if (this.faults.reorder) {
      this.held.push({ url, fields });
      return;
    }
    this.start(url, fields);
    if (this.faults.duplicate) this.start(url, fields);
  }

  /** Sends the held IPNs, newest first. */
  flush(): void {
    const held = this.held.reverse();
    this.held = [];
    for (const h of held) this.start(h.url, h.fields);
  }

  /** Resolves once every IPN handed off has been answered or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private start(url: string, fields: Record<string, string>): void {
    const p = this.deliver(url, fields).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async deliver(url: string, fields: Record<string, string>): Promise<void> {
    if (this.faults.delayMs) await sleep(this.faults.delayMs);
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      let status: number | null = null;
      let body = '';
      try {
        const res = await fetch(url, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(attempt > 1 ? { ...fields } : fields).toString(),
          signal: AbortSignal.timeout(35_000),
        });
        status = res.status;
        body = (await res.text()).slice(0, 512);
      } catch (e) {
        body = e instanceof Error ? e.message : String(e);
      }
      this.sent.push({ url, fields, status, body });
      if (status !== null && SUCCESS(status)) return;
      await sleep(this.options.retryIntervalMs);
    }
  }
}
