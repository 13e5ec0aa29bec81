/**
 * The callback bridge's core, transport-agnostic: verify, then apply through the transition service and record the
 * message with what became of it in the same transaction (one commit per callback; a copy recorded before is
 * answered after one read, without a lock), and say how it went so the gateway gets the answer it needs
 * (invariant 7):
 *  - success once the message is safely recorded (also duplicates, valid messages that change nothing, and
 *    verified messages that can never be applied: recorded as FAILED and flagged for the shop);
 *  - a client error for forged or malformed messages (recorded as rejected, nothing applied), 429 past the
 *    per-source limit of rejected messages (not recorded);
 *  - a server error only when a resend could help (payment not visible yet, database unavailable).
 * What it stores is bounded: the raw body byte for byte (of a rejected message only its first bytes), capped
 * headers, and text that every database can hold.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../app/logger.js';
import type { InboxPolicy } from '../../config/config.js';
import type { EntityWriter } from '../../db/busy-retry.js';
import { isDatabaseUnavailable } from '../../db/database-errors.js';
import { insertStatement, mapping, runStatement, sqlExpression, type Statement } from '../../db/row-statements.js';
import type { Em, Orm } from '../../db/orm.js';
import {
  MalformedNotificationError,
  NotificationOutcome,
  type GatewayName,
  type GatewayPayment,
  type NotificationContext,
  type PaymentGateway,
  type PaymentStateEvent,
} from '../../gateways/gateway.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { OrderFlag, Order } from '../order/order.entity.js';
import { flag } from '../order/order-lifecycle.js';
import type { LocatedPayment, PaymentStateService } from '../payment/payment-state.service.js';
import { gatewayPaymentOf, Payment } from '../payment/payment.entity.js';
import { hasUnstorableCharacters, storableText } from '../shared/storable-text.js';
import { MESSAGE_RECORDED_HERE, MessageDoneByACopy, type Cause, type LineageTransaction } from '../transition/lineage-transaction.js';
import { NO_LINEAGE, type TransitionService } from '../transition/transition.service.js';
import { InboxMessage, InboxStatus } from './inbox-message.entity.js';
import { keptHeaders } from './kept-headers.js';
import type { RejectionLimiter } from './rejection-limiter.js';
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

/** Statuses after which a copy of the message is a duplicate: nothing more will be done with it. */
const DONE: ReadonlySet<InboxStatus> = new Set([InboxStatus.PROCESSED, InboxStatus.IGNORED, InboxStatus.FAILED]);
/** What a verified message is recorded with, whatever becomes of it. */
type VerifiedMessage = Pick<InboxMessage, 'gateway' | 'paymentReference' | 'remoteAddress' | 'headers' | 'body' | 'receivedAt'> & { dedupKey: string };
/** Longest text kept in `outcome`. */
const OUTCOME_KEEP_CHARS = 1000;
/** Longest payment reference kept (the column's width). */
const REFERENCE_KEEP_CHARS = 64;

export class NotificationInbox {
  constructor(
    private readonly orm: Orm,
    private readonly writer: EntityWriter,
    private readonly transitions: TransitionService,
    private readonly payments: PaymentStateService,
    private readonly policy: InboxPolicy,
    private readonly limiter: RejectionLimiter,
    private readonly log: Logger,
  ) {}

  /**
   * Verifies, records and applies one notification. Throws only when the database cannot be used (the caller
   * answers "resend later"); every other end is a receipt.
   */
  async receive(n: IncomingNotification): Promise<InboxReceipt> {
    const { gateway, rawBody, headers } = n;
    if (!isSourceAllowed(n.remoteAddress, gateway.allowedSources)) {
      return this.reject(n, NotificationOutcome.REJECTED_SOURCE, `source ${n.remoteAddress} is not in the allow-list`);
    }
    const contentType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!gateway.notificationContentTypes.includes(contentType)) {
      return this.reject(n, NotificationOutcome.REJECTED_CONTENT_TYPE, `content type ${contentType || '(none)'} is not ${gateway.notificationContentTypes.join(' or ')}`);
    }
    const context = this.context(gateway.name);
    const forged = await gateway.verifyNotification(rawBody, headers, context);
    if (forged) return this.reject(n, NotificationOutcome.REJECTED_SIGNATURE, forged);
    let event: PaymentStateEvent | null;
    try {
      event = gateway.parseNotification(rawBody, headers);
    } catch (e) {
      if (e instanceof MalformedNotificationError) return this.reject(n, NotificationOutcome.REJECTED_MALFORMED, e.message);
      throw e;
    }

    const message = this.verified(n, event?.reference ?? null);
    const earlier = await this.find(message.dedupKey);
    if (earlier && DONE.has(earlier.status)) return { outcome: NotificationOutcome.DUPLICATE, inboxMessageId: earlier.id, detail: 'already recorded' };
    if (!event) return this.settle(message, InboxStatus.IGNORED, NotificationOutcome.IGNORED, 'the message carries no payment state we act on');
    if (hasUnstorableCharacters(event.reference) || event.reference.length > REFERENCE_KEEP_CHARS) {
      return this.settle(message, InboxStatus.FAILED, NotificationOutcome.FAILED, 'its payment reference cannot be one of ours');
    }
    if (gateway.notificationsNeedConfirmation || event.confirmBeforeApplying) {
      // The notification only says something happened: what the gateway answers when asked is what is applied.
      const confirmed = await this.confirm(gateway, event, context);
      if (typeof confirmed === 'string') return this.settle(message, InboxStatus.RECEIVED, NotificationOutcome.RETRY_LATER, confirmed);
      event = confirmed;
    }

    // The lineage is found by the statement that claims it, and the order with its payment by the same (SQLite) or
    // one more (PostgreSQL).
    const located: { at: LocatedPayment | null } = { at: null };
    try {
      return await this.apply(message, gateway.name, event, located);
    } catch (e) {
      // The database may be back for the gateway's resend; anything else would fail the same way every time.
      if (isDatabaseUnavailable(e)) {
        await this.recordUnapplied(message, e);
        throw e;
      }
      return this.fail(message, located.at, e);
    }
  }

  /**
   * What an adapter may consult to authenticate a notification: the clock, and the payment we keep by reference,
   * read once per notification however often it is asked for (authentication, then confirmation).
   */
  private context(gateway: GatewayName): NotificationContext {
    const read = new Map<string, Promise<GatewayPayment | null>>();
    const load = async (reference: string) => {
      const payment = await this.orm.em.fork().findOne(Payment, { gateway, reference });
      return payment && gatewayPaymentOf(payment);
    };
    return {
      now: new Date(),
      storedPayment: (reference) => {
        if (!read.has(reference)) read.set(reference, load(reference));
        return read.get(reference)!;
      },
    };
  }

  /**
   * Asks the gateway where the payment a notification names stands; the answer replaces the notification's word.
   * Returns why not when the gateway cannot say now (unreachable, or it does not know the payment yet): the
   * message is then kept RECEIVED and the gateway asked to resend, which asks again.
   */
  private async confirm(gateway: PaymentGateway, claimed: PaymentStateEvent, context: NotificationContext): Promise<PaymentStateEvent | string> {
    const stored = (await context.storedPayment(claimed.reference)) ?? { reference: claimed.reference, gatewayPaymentId: null, gatewayData: {} };
    try {
      const answer = await gateway.fetchPaymentStatus(stored);
      if (!answer) return `not applied yet: ${gateway.name} does not know payment ${claimed.reference} when asked`;
      if (answer.reference !== claimed.reference) return `not applied: ${gateway.name} answered about payment ${answer.reference}, not ${claimed.reference}`;
      return { ...answer, detail: `${answer.detail} (confirmed by asking ${gateway.name})` };
    } catch (e) {
      // Unreachable, a timeout, an answer it could not read: the resend asks again.
      this.log.warn({ err: e, reference: claimed.reference }, 'could not confirm a notification with its gateway');
      return `not applied yet: asking ${gateway.name} to confirm it failed (${e instanceof Error ? e.message : String(e)})`;
    }
  }

  /**
   * Records, if the database lets it, a message whose apply the database cut short (a lock held past the busy
   * timeout, a lost connection), as RECEIVED: answered "resend", and applied when the resend comes (invariant 7: it
   * is on record before it is answered, whenever the database can take a write at all).
   */
  private async recordUnapplied(message: VerifiedMessage, error: unknown): Promise<void> {
    const reason = `not applied yet, the database was unavailable (${error instanceof Error ? error.message : String(error)}); the gateway was asked to resend`;
    // One attempt, not the busy-timeout's retries: the apply has spent that budget already, and the gateway waits.
    const em = this.orm.em.fork();
    await runStatement(em, this.storeStatement(em, message, InboxStatus.RECEIVED, reason, new Date())).catch((e: unknown) => {
      this.log.warn({ err: e }, 'could not record a notification the database cut short');
    });
  }

  /**
   * Applies `event` in its payment's lineage and records the message, with what became of it, in the same
   * transaction; `located` learns where the payment is once it has been found.
   */
  private async apply(message: VerifiedMessage, gateway: GatewayName, event: PaymentStateEvent, located: { at: LocatedPayment | null }): Promise<InboxReceipt> {
    let applying: LineageTransaction | undefined;
    let applied;
    try {
      applied = await this.transitions.inLineageOf({ gateway, reference: event.reference }, async (tx) => {
        applying = tx;
        const found = await tx.orderWithPayment();
        located.at = { paymentId: found.payment.id, orderId: found.order.id, cartId: found.order.cartId };
        // The message's id is known once it is recorded, at the transaction's end; the audit rows name it then.
        const cause: Cause = { trigger: 'notification.payment-state', source: TransitionSource.GATEWAY_NOTIFICATION, inboxMessageId: MESSAGE_RECORDED_HERE, detail: event.detail };
        const result = await this.payments.apply(tx, found, event, cause);
        // Recorded only if no copy of this message racing us got there first (each copy applies under the
        // lineage's lock, one after the other); if one did, this transaction's work is rolled back, not doubled.
        tx.recordMessage(this.storeStatement(tx.em, message, result.changed ? InboxStatus.PROCESSED : InboxStatus.IGNORED, result.summary, tx.now));
        return { outcome: result.changed ? NotificationOutcome.ACCEPTED : NotificationOutcome.IGNORED, detail: result.summary };
      });
    } catch (e) {
      if (e instanceof MessageDoneByACopy) return this.duplicate(message);
      throw e;
    }
    if (applied === NO_LINEAGE) return this.settle(message, InboxStatus.UNMATCHED, NotificationOutcome.RETRY_LATER, `no payment with reference ${event.reference} (yet)`);
    return { ...applied, inboxMessageId: applying?.recordedMessageId ?? null };
  }

  /**
   * A verified message that cannot be applied, and never will be: kept as FAILED with the reason, its order
   * flagged so the shop looks at it, and the gateway told to stop resending (invariant 7: a resend cannot help).
   */
  private async fail(message: VerifiedMessage, located: LocatedPayment | null, error: unknown): Promise<InboxReceipt> {
    this.log.error({ err: error, orderId: located?.orderId }, 'a verified notification cannot be applied');
    const reason = `could not be applied: ${error instanceof Error ? error.message : String(error)}`;
    const receipt = await this.settle(message, InboxStatus.FAILED, NotificationOutcome.FAILED, reason);
    if (located && receipt.outcome === NotificationOutcome.FAILED) {
      const cause: Cause = { trigger: 'notification.failed', source: TransitionSource.GATEWAY_NOTIFICATION, inboxMessageId: receipt.inboxMessageId, detail: storableText(reason, 500) };
      try {
        await this.transitions.inLineage(located.cartId, async (tx) => {
          const order = await tx.em.findOneOrFail(Order, { id: located.orderId });
          const payment = await tx.em.findOneOrFail(Payment, { id: located.paymentId });
          flag(tx, order, payment, OrderFlag.NOTIFICATION_NOT_APPLIED, cause);
        });
      } catch (e) {
        this.log.error({ err: e, orderId: located.orderId }, 'could not flag the order of a notification that cannot be applied');
      }
    }
    return receipt;
  }

  /** Records a message that never got as far as verification (too large, unreadable transport). */
  async recordRejection(n: Omit<IncomingNotification, 'rawBody'> & { rawBody: Buffer | null }, outcome: NotificationOutcome, reason: string): Promise<InboxReceipt> {
    return this.reject({ ...n, rawBody: n.rawBody ?? Buffer.alloc(0) }, outcome, reason, n.rawBody === null);
  }

  private async reject(n: IncomingNotification, outcome: NotificationOutcome, reason: string, bodyMissing = false): Promise<InboxReceipt> {
    if (!(await this.limiter.mayRecord(n.remoteAddress))) {
      return { outcome: NotificationOutcome.REJECTED_RATE_LIMITED, inboxMessageId: null, detail: `${reason}; not recorded: too many rejected messages from ${n.remoteAddress}` };
    }
    const peeked = n.gateway.peekReference(n.rawBody);
    const message = await this.writer.write((em) =>
      em.create(InboxMessage, {
        gateway: n.gateway.name,
        // A forgery never claims a dedup key: the real message with the same body must still get through.
        dedupKey: null,
        status: InboxStatus.REJECTED,
        paymentReference: peeked === null ? null : storableText(peeked, REFERENCE_KEEP_CHARS),
        remoteAddress: n.remoteAddress,
        headers: keptHeaders(n.headers, this.policy.headersKeepBytes),
        body: bodyMissing ? null : Buffer.from(n.rawBody.subarray(0, this.policy.rejectedBodyKeepBytes)),
        outcome: storableText(reason, OUTCOME_KEEP_CHARS),
        attempts: 1,
        receivedAt: new Date(),
        processedAt: new Date(),
      }),
    );
    return { outcome, inboxMessageId: message.id, detail: reason };
  }

  /** The row a verified message is recorded as, whatever becomes of it. */
  private verified(n: IncomingNotification, reference: string | null): VerifiedMessage {
    return {
      gateway: n.gateway.name,
      dedupKey: dedupKeyOf(n.gateway, n.rawBody),
      paymentReference: reference === null ? null : storableText(reference, REFERENCE_KEEP_CHARS),
      remoteAddress: n.remoteAddress,
      headers: keptHeaders(n.headers, this.policy.headersKeepBytes),
      body: n.rawBody,
      receivedAt: new Date(),
    };
  }

  /** The earlier copy of a message, if one was recorded. One plain statement: every callback runs it. */
  private async find(dedupKey: string): Promise<{ id: number; status: InboxStatus } | null> {
    const m = mapping(this.orm.em, InboxMessage);
    const [row] = await this.orm.em
      .getConnection()
      .execute<{ id: number; status: InboxStatus }[]>(`select ${m.columns.get('id')!.column} as id, ${m.columns.get('status')!.column} as status from ${m.table} where ${m.columns.get('dedupKey')!.column} = ?`, [dedupKey]);
    return row ? { id: Number(row.id), status: row.status } : null;
  }

  /**
   * The statement that records `message` as `status`: a new row, or the row of an earlier copy that was not done
   * with (UNMATCHED: its payment was not known yet), updated. It hands back the row's id; nothing when a copy is
   * done with already (a copy racing this one got there first), which is left as it is.
   */
  private storeStatement(em: Em, message: VerifiedMessage, status: InboxStatus, outcome: string, at: Date): Statement & { returning: string } {
    return insertStatement(em, InboxMessage, [{ ...message, status, outcome: storableText(outcome, OUTCOME_KEEP_CHARS), attempts: 1, processedAt: at }], {
      updateConflictOn: {
        key: 'dedupKey',
        set: { status: 'new', outcome: 'new', processedAt: 'new', attempts: sqlExpression('inbox_messages.attempts + 1') },
        where: { sql: `inbox_messages.status not in (${[...DONE].map(() => '?').join(', ')})`, values: [...DONE] },
      },
      returning: 'id',
    }) as Statement & { returning: string };
  }

  /** Records a message that was not applied, in a statement of its own. */
  private async settle(message: VerifiedMessage, status: InboxStatus, outcome: NotificationOutcome, reason: string): Promise<InboxReceipt> {
    const [row] = await this.writer.run((em) => runStatement(em, this.storeStatement(em, message, status, reason, new Date())));
    if (!row) return this.duplicate(message);
    return { outcome, inboxMessageId: Number(row.id), detail: reason };
  }

  /** The answer to a copy of a message another copy was applied as, while this one was on its way. */
  private async duplicate(message: VerifiedMessage): Promise<InboxReceipt> {
    const earlier = await this.find(message.dedupKey);
    return { outcome: NotificationOutcome.DUPLICATE, inboxMessageId: earlier?.id ?? null, detail: 'applied by a concurrent copy' };
  }
}

/**
 * What makes two messages one (`dedup_key`, at most 100 characters): the gateway's own message id when it has one
 * (hashed, so any id fits and none can collide with a body's hash), else the SHA-256 of the raw body.
 */
function dedupKeyOf(gateway: PaymentGateway, rawBody: Buffer): string {
  const id = gateway.messageId?.(rawBody);
  return id ? `${gateway.name}:id:${createHash('sha256').update(id).digest('hex')}` : `${gateway.name}:${createHash('sha256').update(rawBody).digest('hex')}`;
}
