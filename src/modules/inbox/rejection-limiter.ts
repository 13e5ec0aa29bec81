/**
 * Bounds what strangers can make the inbox store: each source address may have at most INBOX_REJECTED_PER_MINUTE
 * rejected messages recorded per minute (forged, malformed, wrong type, too large, not allowed). Beyond that they
 * are answered 429 and not stored. Verified messages are never limited: the gateway's own traffic always gets in.
 * Counted in this process's memory (rate-limiter-flexible), per instance.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export class RejectionLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(perMinute: number) {
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  }

  /** Counts one rejected message from `source`; false when the source is over its limit (do not store it). */
  async mayRecord(source: string | null): Promise<boolean> {
    try {
      await this.limiter.consume(source ?? 'unknown');
      return true;
    } catch (e) {
      if (e instanceof RateLimiterRes) return false;
      throw e;
    }
  }
}
