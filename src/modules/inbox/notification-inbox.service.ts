/**
 * The callback bridge's core, transport-agnostic: verify, record durably, then apply through the transition
 * service, and say how it went so the gateway gets the answer it needs (invariant 7):
 *  - success once the message is safely recorded (also duplicates, and valid messages that change nothing);
 *  - a client error for forged or malformed messages (recorded as rejected, nothing applied);
 *  - a server error only when a resend could help (payment not visible yet, database down).
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { createHash } from 'node:crypto';
import type { Orm } from '../../db/orm.js';
import { MalformedNotificationError, NotificationOutcome, type PaymentGateway } from '../../gateways/gateway.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import type { PaymentStateService } from '../payment/payment-state.service.js';
import type { TransitionService } from '../transition/transition.service.js';
import { InboxMessage, InboxStatus } from './inbox-message.entity.js';
import { isSourceAllowed } from './source-allow-list.js';

export interface IncomingNotification {
  gateway: PaymentGateway;
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  remoteAddress: string | null;
}

export interface InboxReceipt {
  outcome: NotificationOutcome;
  inboxMessageId: number | null;
  detail: string;
}

/** Headers never written to the inbox. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** The kept part of a rejected body: enough to diagnose, not a free storage service for strangers. */
const REJECTED_BODY_KEEP = 4096;

const DONE: ReadonlySet<InboxStatus> = new Set([InboxStatus.PROCESSED, InboxStatus.IGNORED]);

export class NotificationInbox {
  constructor(
    private readonly orm: Orm,
    private readonly transitions: TransitionService,
    private readonly payments: PaymentStateService,
  ) {}

  async receive(n: IncomingNotification): Promise<InboxReceipt> {
    const { gateway, rawBody, headers } = n;
    if (!isSourceAllowed(n.remoteAddress, gateway.allowedSources)) {
      return this.reject(n, NotificationOutcome.REJECTED_SOURCE, `source ${n.remoteAddress} is not in the allow-list`);
    }
    const contentType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!gateway.notificationContentTypes.includes(contentType)) {
      return this.reject(n, NotificationOutcome.REJECTED_CONTENT_TYPE, `content type ${contentType || '(none)'} is not ${gateway.notificationContentTypes.join(' or ')}`);
    }
    const forged = gateway.verifyNotification(rawBody, headers);
    if (forged) return this.reject(n, NotificationOutcome.REJECTED_SIGNATURE, forged);
    let event;
    try {
      event = gateway.parseNotification(rawBody, headers);
    } catch (e) {
      if (e instanceof MalformedNotificationError) return this.reject(n, NotificationOutcome.REJECTED_MALFORMED, e.message);
      throw e;
    }

    const message = await this.record(n, event?.reference ?? null);
    if (DONE.has(message.status)) return { outcome: NotificationOutcome.DUPLICATE, inboxMessageId: message.id, detail: 'already recorded' };
    if (!event) {
      await this.settle(message.id, InboxStatus.IGNORED, 'the message carries no payment state we act on');
      return { outcome: NotificationOutcome.IGNORED, inboxMessageId: message.id, detail: 'no payment state' };
    }
    const located = await this.payments.locate(gateway.name, event.reference);
    if (!located) {
      await this.settle(message.id, InboxStatus.UNMATCHED, `no payment with reference ${event.reference} (yet)`);
      return { outcome: NotificationOutcome.RETRY_LATER, inboxMessageId: message.id, detail: `unknown payment ${event.reference}` };
    }

    return this.transitions.inLineage(located.cartId, async (tx) => {
      // Re-read under the lock: a copy of this message racing us may have applied it already.
      const msg = await tx.em.findOneOrFail(InboxMessage, { id: message.id });
      if (DONE.has(msg.status)) return { outcome: NotificationOutcome.DUPLICATE, inboxMessageId: msg.id, detail: 'applied by a concurrent copy' };
      const cause = { trigger: 'notification.payment-state', source: TransitionSource.GATEWAY_NOTIFICATION, inboxMessageId: msg.id, detail: event.detail };
      const result = await this.payments.apply(tx, located, event, cause);
      msg.status = result.changed ? InboxStatus.PROCESSED : InboxStatus.IGNORED;
      msg.outcome = result.summary;
      msg.attempts += 1;
      msg.processedAt = tx.now;
      return {
        outcome: result.changed ? NotificationOutcome.ACCEPTED : NotificationOutcome.IGNORED,
        inboxMessageId: msg.id,
        detail: result.summary,
      };
    });
  }

  /** Records a message that never got as far as verification (too large, unreadable transport). */
  async recordRejection(n: Omit<IncomingNotification, 'rawBody'> & { rawBody: Buffer | null }, outcome: NotificationOutcome, reason: string): Promise<InboxReceipt> {
    return this.reject({ ...n, rawBody: n.rawBody ?? Buffer.alloc(0) }, outcome, reason, n.rawBody === null);
  }

  private async reject(n: IncomingNotification, outcome: NotificationOutcome, reason: string, bodyMissing = false): Promise<InboxReceipt> {
    const em = this.orm.em.fork();
    const message = em.create(InboxMessage, {
      gateway: n.gateway.name,
      // A forgery never claims a dedup key: the real message with the same body must still get through.
      dedupKey: null,
      status: InboxStatus.REJECTED,
      paymentReference: n.gateway.peekReference(n.rawBody),
      remoteAddress: n.remoteAddress,
      headers: keptHeaders(n.headers),
      body: bodyMissing ? null : n.rawBody.subarray(0, REJECTED_BODY_KEEP).toString('utf8'),
      outcome: reason,
      attempts: 1,
      receivedAt: new Date(),
      processedAt: new Date(),
    });
    await em.flush();
    return { outcome, inboxMessageId: message.id, detail: reason };
  }

  /** Inserts the verified message, or finds the earlier copy of it. */
  private async record(n: IncomingNotification, reference: string | null): Promise<InboxMessage> {
    const dedupKey = `${n.gateway.name}:${createHash('sha256').update(n.rawBody).digest('hex')}`;
    // Insert first: a new message is the common case; a copy of one recorded before loses on the unique key.
    const em = this.orm.em.fork();
    const message = em.create(InboxMessage, {
      gateway: n.gateway.name,
      dedupKey,
      status: InboxStatus.RECEIVED,
      paymentReference: reference,
      remoteAddress: n.remoteAddress,
      headers: keptHeaders(n.headers),
      body: n.rawBody.toString('utf8'),
      outcome: null,
      attempts: 0,
      receivedAt: new Date(),
      processedAt: null,
    });
    try {
      await em.flush();
      return message;
    } catch (e) {
      if (!(e instanceof UniqueConstraintViolationException)) throw e;
      // Recorded before (or by a copy sent in parallel): carry on with that row.
      return this.orm.em.fork().findOneOrFail(InboxMessage, { dedupKey });
    }
  }

  private async settle(id: number, status: InboxStatus, outcome: string): Promise<void> {
    await this.orm.em.fork().nativeUpdate(InboxMessage, { id, status: { $nin: [...DONE] } }, { status, outcome, processedAt: new Date() });
  }
}

function keptHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !SECRET_HEADERS.has(k)));
}
