/**
 * The endless, deterministic sequence of callbacks one load run sends. Every ten requests: seven first-time
 * `authorize` callbacks for payments not seen yet (each makes an order READY and writes outbox rows), two
 * `capture` callbacks for payments authorised a while ago, and one exact duplicate of a recent body (a resend).
 * When the fresh payments run out, the slots fall back to captures, then refunds, then duplicates; the counts
 * say what was really sent, so a run that ran dry shows it.
 */
import { paymentResource, signedCallback, type BenchPayment, type SignedCallback } from './callback-bodies.js';

export type CallbackKind = 'authorize' | 'capture' | 'refund' | 'duplicate';

/** The repeating pattern of wished-for kinds; A = authorize, C = capture, D = duplicate. */
const PATTERN: readonly CallbackKind[] = ['authorize', 'authorize', 'capture', 'authorize', 'authorize', 'authorize', 'capture', 'authorize', 'authorize', 'duplicate'];
/**
 * A capture is only sent for a payment authorised at least this many requests earlier: with N connections in
 * flight, a smaller gap would often let the capture overtake its own authorize, which then arrives stale.
 */
const FOLLOW_UP_GAP = 200;
/** Duplicates are drawn from this many most recent distinct bodies (QuickPay resends soon after a failure). */
const RECENT = 1024;

interface Pending {
  index: number;
  sentAt: number;
}

/** A source of signed callbacks; `next()` never runs out, `counts` tells what was produced. */
export class CallbackStream {
  readonly counts: Record<CallbackKind, number> = { authorize: 0, capture: 0, refund: 0, duplicate: 0 };
  private slot = 0;
  private nextFresh = 0;
  private readonly toCapture: Pending[] = [];
  private readonly toRefund: Pending[] = [];
  private readonly recent: SignedCallback[] = [];
  /** A fixed-seed PRNG (mulberry32), so two runs over the same payments send the same bytes in the same order. */
  private seed = 0x5eed;

  constructor(
    private readonly payments: readonly BenchPayment[],
    private readonly privateKey: string,
  ) {}

  /** How many payments have not had their authorize sent yet. */
  get freshLeft(): number {
    return this.payments.length - this.nextFresh;
  }

  next(): SignedCallback {
    const wish = PATTERN[this.slot % PATTERN.length];
    const order: CallbackKind[] =
      wish === 'authorize' ? ['authorize', 'capture', 'refund', 'duplicate']
      : wish === 'capture' ? ['capture', 'authorize', 'refund', 'duplicate']
      : ['duplicate', 'authorize', 'capture', 'refund'];
    for (const kind of order) {
      const made = this.make(kind);
      if (made) {
        this.counts[kind] += 1;
        this.slot += 1;
        return made;
      }
    }
    throw new Error('the bench has no payments to send callbacks for');
  }

  private make(kind: CallbackKind): SignedCallback | null {
    switch (kind) {
      case 'authorize': {
        if (this.nextFresh >= this.payments.length) return null;
        const index = this.nextFresh++;
        this.toCapture.push({ index, sentAt: this.slot });
        return this.remember(this.build(index, 1));
      }
      case 'capture':
      case 'refund': {
        const queue = kind === 'capture' ? this.toCapture : this.toRefund;
        const head = queue[0];
        if (!head || this.slot - head.sentAt < FOLLOW_UP_GAP) return null;
        queue.shift();
        if (kind === 'capture') this.toRefund.push({ index: head.index, sentAt: this.slot });
        return this.remember(this.build(head.index, kind === 'capture' ? 2 : 3));
      }
      case 'duplicate':
        return this.recent.length ? this.recent[Math.floor(this.random() * this.recent.length)] : null;
    }
  }

  private build(index: number, steps: number): SignedCallback {
    return signedCallback(paymentResource(this.payments[index], index, steps), this.privateKey);
  }

  private remember(c: SignedCallback): SignedCallback {
    if (this.recent.length < RECENT) this.recent.push(c);
    else this.recent[this.slot % RECENT] = c;
    return c;
  }

  private random(): number {
    let t = (this.seed += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
