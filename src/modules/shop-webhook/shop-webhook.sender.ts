/**
 * Sends one signed webhook to the shop's systems the Standard Webhooks way (https://www.standardwebhooks.com): a
 * JSON body `{ type, timestamp, data }` and the headers `webhook-id` (the same for every attempt of one event, so
 * the receiver can deduplicate), `webhook-timestamp` (this attempt, Unix seconds: receivers refuse old ones) and
 * `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret), signed by
 * the `standardwebhooks` package, the one receivers verify with.
 *
 * Bounded (invariant 9): one timeout covers connecting, the answer's headers and reading it; no redirect is
 * followed (a 3xx is a failure: a webhook that lands elsewhere is not delivered, and following one would send the
 * signed order to wherever it points); only the first SHOP_WEBHOOK_ANSWER_KEEP bytes of the answer are read.
 * Nothing here logs; what is kept of an exchange is the status and those bytes, never the secret or the headers.
 */
import { Webhook } from 'standardwebhooks';
import type { ShopWebhookConfig } from '../../config/config.js';

/** The events the shop's systems receive. */
export enum ShopWebhookType {
  /** Seed 003's export: the order is ready (paid and confirmed) and may be shipped. */
  ORDER_READY = 'order.ready',
  /** The order needs the shop's attention (one event per flag). */
  ORDER_FLAGGED = 'order.flagged',
}

/** One webhook message before it is signed. */
export interface ShopWebhookMessage {
  /** The `webhook-id`: the same for every attempt to deliver this event. */
  id: string;
  type: ShopWebhookType;
  /** When the event happened (not when it is sent): the body's `timestamp`. */
  occurredAt: Date;
  data: object;
}

/** A delivery that did not end in a 2xx answer; its message says why, with the status and the answer's first bytes. */
export class WebhookDeliveryError extends Error {
  constructor(
    message: string,
    /** The receiver's HTTP status, when it answered at all. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

/** The settings a sender needs: the configured URL and secret, and its bounds. */
export type ShopWebhookTarget = Omit<ShopWebhookConfig, 'url' | 'secret'> & { url: string; secret: string };

/** Signs and posts webhooks to one configured receiver; holds no state between messages. */
export class ShopWebhookSender {
  private readonly signer: Webhook;

  /** Throws when the secret is not a usable Standard Webhooks secret (the configuration checks it first). */
  constructor(
    private readonly target: ShopWebhookTarget,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.signer = new Webhook(target.secret);
  }

  /**
   * Posts one message, signed for this attempt. Resolves with the receiver's status and the first bytes of its
   * answer when it answered 2xx; rejects with a WebhookDeliveryError otherwise (another status, a redirect, no answer
   * within the timeout, no connection). Waits at most SHOP_WEBHOOK_TIMEOUT_MS.
   */
  async send(message: ShopWebhookMessage): Promise<string> {
    const body = JSON.stringify({ type: message.type, timestamp: message.occurredAt.toISOString(), data: message.data });
    const now = new Date();
    const { timeoutMs, answerKeepBytes } = this.target;
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await this.fetchImpl(this.target.url, {
        method: 'POST',
        redirect: 'manual',
        signal: timeout,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'order-reconciler',
          'webhook-id': message.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': this.signer.sign(message.id, now, body),
        },
        body,
      });
    } catch (e) {
      throw new WebhookDeliveryError(this.describe(e));
    }
    // The status decides; the answer is only kept for the record, so failing to read it is noted, not fatal.
    const answer = await readAtMost(res, answerKeepBytes).catch((e: unknown) => `(answer not read: ${this.describe(e)})`);
    const said = answer ? `: ${answer}` : '';
    if (res.status >= 200 && res.status < 300) return `${res.status}${said}`;
    if (res.status >= 300 && res.status < 400) throw new WebhookDeliveryError(`answered ${res.status}, a redirect (not followed)${said}`, res.status);
    throw new WebhookDeliveryError(`answered ${res.status}${said}`, res.status);
  }

  /** Why an exchange failed, without the URL (its query may hold a token) or anything we sent. */
  private describe(e: unknown): string {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${this.target.timeoutMs} ms (SHOP_WEBHOOK_TIMEOUT_MS)`;
    const cause = err?.cause?.code ?? err?.cause?.message;
    return `could not be delivered: ${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`;
  }
}

/** Reads at most `maxBytes` of an answer's body and lets go of the rest (the connection is not kept waiting). */
async function readAtMost(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // A multi-byte character cut at the limit becomes U+FFFD: what is kept is for people to read.
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8').trim();
}
