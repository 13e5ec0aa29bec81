/**
 * One transaction of one cart lineage (the cart, every order placed from it, their payments), opened by the
 * TransitionService with the lineage's lock held. It is the only code that writes a status column: every change
 * checks its machine's guard, applies, and appends an audit row; side effects become outbox rows in the same
 * transaction; subscribers hear of the changes only after commit. Its writes (changed rows, audit and outbox rows,
 * the record of the message it applies) go out together at its end: on PostgreSQL as one statement
 * (src/db/write-batch.ts).
 */
import { IllegalTransitionError } from '../../errors/app-errors.js';
import { StatusTransition, TransitionSource, TransitionSubject } from '../audit/status-transition.entity.js';
import { Cart } from '../cart/cart.entity.js';
import { cartMachine, type CartStatus } from '../cart/cart.machine.js';
import { Order } from '../order/order.entity.js';
import { OrderStatus, orderMachine, type OrderGuardContext } from '../order/order.machine.js';
import { OutboxMessage, OutboxStatus, type OutboxTopic } from '../outbox/outbox-message.entity.js';
import { Payment } from '../payment/payment.entity.js';
import { paymentMachine, type PaymentGuardContext, type PaymentStatus } from '../payment/payment.machine.js';
import type { DatabaseKind } from '../../config/config.js';
import type { EntityName } from '@mikro-orm/core';
import type { Em } from '../../db/orm.js';
import { withDeferredUpdates } from '../../db/plain-updates.js';
import { insertStatement, type Statement } from '../../db/row-statements.js';
import { LEAD_RESULT, WriteBatch } from '../../db/write-batch.js';
import { loadOrderWithPayment, type Claimed, type LineageOf } from './lineage-rows.js';
import type { PaymentStatusChange } from './status-change.js';

/** Why a change happened (invariant 8). */
export interface Cause {
  /** What happened, e.g. `checkout`, `redirect.cancel`, `notification.payment-state`. */
  trigger: string;
  source: TransitionSource;
  /**
   * The inbox message that caused it, for gateway notifications; {@link MESSAGE_RECORDED_HERE} for the message
   * this very transaction records (its id is known only once it is written: see {@link LineageTransaction.recordMessage}).
   */
  inboxMessageId?: number | null | typeof MESSAGE_RECORDED_HERE;
  detail?: string | null;
}

/** A cause's `inboxMessageId` when the message is recorded in the same transaction that applies it. */
export const MESSAGE_RECORDED_HERE = Symbol('the inbox message this transaction records');

/**
 * The record of the message a transaction applies wrote nothing: a copy of the message was done with first. The
 * transaction is rolled back.
 */
export class MessageDoneByACopy extends Error {
  constructor() {
    super('the message was applied by a concurrent copy');
    this.name = 'MessageDoneByACopy';
  }
}

interface Touched {
  order: Order;
  payment: Payment;
  cause: Cause;
}

export class LineageTransaction {
  private readonly touched = new Map<string, Touched>();
  private readonly outbox = new Map<string, { topic: OutboxTopic; orderId: string | null; payload: Record<string, unknown>; dueAt: Date }>();
  /** New rows of other tables to write with the records, one insert per table (see {@link insertWithRecords}). */
  private readonly inserts = new Map<EntityName<object>, Record<string, unknown>[]>();
  /** Audit rows not written yet (written together at the end, see {@link writeRecords}). */
  private readonly audits: { row: Partial<Record<keyof StatusTransition & string, unknown>>; cause: Cause }[] = [];

  private mappedCart: Cart | undefined;
  private pair: Promise<{ order: Order; payment: Payment }> | undefined;
  /** The statement that records the message this transaction applies (see {@link recordMessage}). */
  private messageRecord: (Statement & { returning: string }) | undefined;
  private recordedId: number | undefined;

  constructor(
    readonly em: Em,
    private readonly kind: DatabaseKind,
    /** What the lineage was opened for (a cart, an order, a payment). */
    private readonly of: LineageOf,
    /** What the claim read under the lock (lineage-rows.ts). */
    private readonly claimed: Claimed,
    readonly now: Date = new Date(),
  ) {}

  /**
   * The lineage's cart, managed by `em`. Made an entity only when first asked for: a callback that makes a pending
   * order ready never needs it, and hydrating it is a fair share of such a callback's cost.
   */
  get cart(): Cart {
    return (this.mappedCart ??= this.em.map(Cart, this.claimed.cartRow));
  }

  /**
   * The order and its payment this lineage was opened for (by the order's id or the payment's reference), managed
   * by `em`: from the claim's own read where it made one (SQLite), else read now, in one statement.
   */
  orderWithPayment(): Promise<{ order: Order; payment: Payment }> {
    // Read once: mapping the rows again would overwrite what the transaction has changed since.
    return (this.pair ??= this.readOrderWithPayment());
  }

  private async readOrderWithPayment(): Promise<{ order: Order; payment: Payment }> {
    const of = this.of;
    if ('cartId' in of) throw new Error('a lineage opened by its cart has no one order to read');
    const rows = this.claimed.orderRows;
    const found = rows ? { order: this.em.map(Order, rows.order), payment: this.em.map(Payment, rows.payment) } : await loadOrderWithPayment(this.em, of);
    // The claim found the lineage by this very order or payment, and links never change.
    if (!found) throw new Error(`the lineage's ${'orderId' in of ? `order ${of.orderId}` : `payment ${of.reference}`} is gone`);
    return found;
  }

  /** Records a new order and its first payment in their initial statuses. */
  place(order: Order, payment: Payment, cause: Cause): void {
    this.audit(TransitionSubject.ORDER, order.id, order.id, null, order.status, cause);
    this.audit(TransitionSubject.PAYMENT, payment.id, order.id, null, payment.status, cause);
    this.touch(order, payment, cause);
  }

  transitionCart(to: CartStatus, cause: Cause): void {
    const cart = this.cart;
    const refusal = cartMachine.refusal(cart.status, to, { lineCount: cart.lines.length });
    if (refusal) throw new IllegalTransitionError(cartMachine.name, cart.status, to, refusal);
    this.audit(TransitionSubject.CART, cart.id, cart.currentOrderId ?? null, cart.status, to, cause);
    cart.status = to;
  }

  /** Moves an order if its guard allows; returns the refusal reason otherwise (nothing is written then). */
  tryTransitionOrder(order: Order, payment: Payment, to: OrderStatus, ctx: OrderGuardContext, cause: Cause): string | undefined {
    const refusal = orderMachine.refusal(order.status, to, ctx);
    if (refusal) return refusal;
    this.audit(TransitionSubject.ORDER, order.id, order.id, order.status, to, cause);
    order.status = to;
    // An order that no longer waits for its payment has nothing left for the reconciler to chase.
    if (to !== OrderStatus.PENDING_PAYMENT) payment.reconcileAt = null;
    this.touch(order, payment, cause);
    return undefined;
  }

  tryTransitionPayment(order: Order, payment: Payment, to: PaymentStatus, ctx: PaymentGuardContext, cause: Cause): string | undefined {
    const refusal = paymentMachine.refusal(payment.status, to, ctx);
    if (refusal) return refusal;
    this.audit(TransitionSubject.PAYMENT, payment.id, order.id, payment.status, to, cause);
    payment.status = to;
    this.touch(order, payment, cause);
    return undefined;
  }

  /**
   * Records a change of a payment that keeps its status (a further partial capture, the gateway's fee, whether it
   * is still chased at the gateway): an audit row from its status to the same status, with what changed in
   * `cause.detail` (starting `changed:`).
   */
  amendPayment(order: Order, payment: Payment, cause: Cause): void {
    this.audit(TransitionSubject.PAYMENT, payment.id, order.id, payment.status, payment.status, cause);
    this.touch(order, payment, cause);
  }

  /**
   * Records the message this transaction applies with its other writes, by `insert` (which hands back the row's id,
   * or nothing when a copy of the message was done with first: then the transaction is rolled back with
   * {@link MessageDoneByACopy}). Causes marked {@link MESSAGE_RECORDED_HERE} name that id.
   */
  recordMessage(insert: Statement & { returning: string }): void {
    this.messageRecord = insert;
  }

  /** The id of the message recorded by {@link recordMessage}, once the transaction has written it. */
  get recordedMessageId(): number | undefined {
    return this.recordedId;
  }

  /** Marks an order as changed without a status change (amounts, flags), so subscribers hear of it. */
  touch(order: Order, payment: Payment, cause: Cause): void {
    if (!this.touched.has(order.id)) order.statusSequence += 1;
    this.touched.set(order.id, { order, payment, cause });
  }

  /**
   * Queues a side effect owed once this transaction commits, due at once or at `dueAt`; a second write of the same
   * key is a no-op.
   */
  addOutbox(topic: OutboxTopic, key: string, orderId: string | null, payload: Record<string, unknown>, dueAt: Date = this.now): void {
    const dedupKey = `${key}:${topic}`;
    if (!this.outbox.has(dedupKey)) this.outbox.set(dedupKey, { topic, orderId, payload, dueAt });
  }

  /**
   * Queues a new row (every property given) to be written with the transaction's other records, in one insert per
   * table: the row is not managed by `em`, so nothing in this transaction may read it back.
   */
  insertWithRecords<T extends object>(entity: EntityName<T>, row: Partial<Record<keyof T & string, unknown>>): void {
    const rows = this.inserts.get(entity as EntityName<object>) ?? [];
    rows.push(row);
    this.inserts.set(entity as EntityName<object>, rows);
  }

  /**
   * Writes what this transaction owes, together (src/db/write-batch.ts): the record of its message, the rows its
   * services changed (the unit of work's flush, whose updates by primary key join the batch instead of running;
   * anything else, such as a new order, it writes at once), its audit rows in one insert, and the side effects whose
   * key was not written before, in another (`on conflict do nothing`). Called by the TransitionService before commit.
   */
  async writeRecords(): Promise<void> {
    const batch = new WriteBatch();
    if (this.messageRecord) batch.lead(this.messageRecord);
    await withDeferredUpdates(this.em, batch, () => this.em.flush());
    const audits = this.audits.splice(0).map(({ row, cause }) => ({ ...row, inboxMessageId: this.messageIdOf(cause) }));
    if (audits.length > 0) batch.add(insertStatement(this.em, StatusTransition, audits));
    for (const [entity, rows] of this.inserts) batch.add(insertStatement(this.em, entity, rows));
    this.inserts.clear();
    if (this.outbox.size > 0) {
      const rows = [...this.outbox].map(([dedupKey, { dueAt, ...row }]) => ({ ...row, dedupKey, status: OutboxStatus.PENDING, attempts: 0, nextAttemptAt: dueAt, createdAt: this.now }));
      this.outbox.clear();
      batch.add(insertStatement(this.em, OutboxMessage, rows, { ignoreConflictOn: 'dedupKey' }));
    }
    const { lead } = await batch.run(this.em, this.kind);
    if (this.messageRecord) {
      if (lead === undefined || lead === null) throw new MessageDoneByACopy();
      this.recordedId = Number(lead);
    }
  }

  /** The committed view of every order this transaction touched; published after commit. */
  statusChanges(): PaymentStatusChange[] {
    return [...this.touched.values()].map(({ order, payment, cause }) => ({
      orderId: order.id,
      orderStatus: order.status,
      paymentStatus: payment.status,
      sequence: order.statusSequence,
      changedAt: this.now.toISOString(),
      trigger: cause.trigger,
      source: cause.source,
      flags: [...order.flags],
    }));
  }

  /** The audit row's message: LEAD_RESULT (filled in by the batch) for the message this transaction records. */
  private messageIdOf(cause: Cause): number | null | typeof LEAD_RESULT {
    if (cause.inboxMessageId !== MESSAGE_RECORDED_HERE) return cause.inboxMessageId ?? null;
    if (!this.messageRecord) throw new Error('the transaction applies an inbox message it never recorded');
    return LEAD_RESULT;
  }

  private audit(subject: TransitionSubject, subjectId: string, orderId: string | null, from: string | null, to: string, cause: Cause): void {
    const row = { subject, subjectId, orderId, fromStatus: from, toStatus: to, trigger: cause.trigger, source: cause.source, inboxMessageId: null, detail: cause.detail ?? null, at: this.now };
    this.audits.push({ row, cause });
  }
}
