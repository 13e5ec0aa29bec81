/**
 * Delivers the simulator's events to the webhook endpoint like Stripe: one signed POST per event (Stripe-Signature
 * made at each attempt, so a retry carries a fresh timestamp over the same body), retried on any answer but 2xx
 * every `retryIntervalMs` up to `maxAttempts` attempts. A payment's faults bend that on purpose (drop, duplicate,
 * reorder, delay), and every attempt is logged so tests can see exactly what the service was sent.
 */
import { signatureHeader } from '../../gateways/stripe/stripe.signing.js';
import { postCallback } from '../post-callback.js';
import type { SimEvent } from './stripe-sim-state.js';

/** Delivery faults for one payment's events (by our reference). Absent fields: behave like Stripe. */
export interface StripeFaults {
  /** Never deliver: the service has to ask (the reconciler). */
  drop?: boolean;
  /** Send every event this many extra times, concurrently with the original. */
  duplicate?: number;
  /** Hold each event until the payment's next one has been sent, then send it: pairs arrive swapped. */
  reorder?: boolean;
  /** Wait this long before every attempt. */
  delayMs?: number;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  reference: string | null;
  copy: number;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  delivered: boolean;
}

export interface WebhookSenderOptions {
  secret: string;
  /** Where events go; null: nowhere yet (events are kept, not sent). */
  endpoint(): string | null;
  retryIntervalMs: number;
  maxAttempts: number;
  timeoutMs: number;
  faultsFor(reference: string | null): StripeFaults;
}

export class StripeWebhookSender {
  private readonly log: WebhookDelivery[] = [];
  private readonly held = new Map<string, SimEvent>();
  private readonly waiters = new Set<() => void>();
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: WebhookSenderOptions) {}

  /** Sends `event` (about `reference`), with that payment's faults. */
  send(event: SimEvent, reference: string | null): void {
    const faults = this.options.faultsFor(reference);
    if (faults.drop) return;
    const key = reference ?? '';
    if (faults.reorder) {
      const earlier = this.held.get(key);
      if (!earlier) {
        this.held.set(key, event);
        return;
      }
      this.held.delete(key);
      this.start(event, reference, faults);
      this.start(earlier, reference, faults);
      return;
    }
    this.start(event, reference, faults);
  }

  /** Sends what the reorder fault still holds (nothing came after it). */
  flushHeld(): void {
    for (const [key, event] of this.held) {
      this.held.delete(key);
      // The payment's other faults still apply (a duplicated payment's last event is duplicated too).
      this.start(event, key || null, { ...this.options.faultsFor(key || null), reorder: false });
    }
  }

  /** Sends an event again as a new delivery (what "Resend" in Stripe's dashboard does): same id, same body. */
  resend(event: SimEvent, reference: string | null): void {
    this.start(event, reference, {});
  }

  deliveries(reference?: string): WebhookDelivery[] {
    return this.log.filter((d) => reference === undefined || d.reference === reference).map((d) => ({ ...d }));
  }

  /** Resolves once `n` deliveries match `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (d: WebhookDelivery) => boolean, n: number, timeoutMs = 5000): Promise<WebhookDelivery[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.log.filter(predicate);
        if (found.length < n) return false;
        this.waiters.delete(check as () => void);
        clearTimeout(timer);
        resolve(found.map((d) => ({ ...d })));
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check as () => void);
        reject(new Error(`only ${this.log.filter(predicate).length} of ${n} webhook deliveries within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check as () => void);
    });
  }

  close(): void {
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private start(event: SimEvent, reference: string | null, faults: StripeFaults): void {
    const body = JSON.stringify(event, null, 2);
    for (let copy = 0; copy <= (faults.duplicate ?? 0); copy++) void this.attempt(event, body, reference, faults, copy, 1);
  }

  private async attempt(event: SimEvent, body: string, reference: string | null, faults: StripeFaults, copy: number, attempt: number): Promise<void> {
    if (faults.delayMs) await this.sleep(faults.delayMs);
    const url = this.options.endpoint();
    if (this.abort.signal.aborted || !url) return;
    const header = signatureHeader(body, Math.floor(Date.now() / 1000), this.options.secret);
    const result = await postCallback(url, body, { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': header, 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' }, this.options.timeoutMs, this.abort.signal);
    if (this.abort.signal.aborted) return;
    const delivered = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    this.log.push({ eventId: event.id, type: event.type, reference, copy, attempt, statusCode: result.statusCode, error: result.error, delivered });
    for (const w of [...this.waiters]) w();
    if (!delivered && attempt < this.options.maxAttempts) {
      await this.sleep(this.options.retryIntervalMs);
      await this.attempt(event, body, reference, faults, copy, attempt + 1);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }
}
