/**
 * How a side effect is delivered. Effects inside our own database run in the lineage transaction that also marks
 * their outbox row done, so they happen exactly once (invariant 3); effects outside it (an e-mail, a webhook, a
 * gateway call) are delivered first and the row marked done after, so they happen at least once, and their
 * handlers make a repeat recognisable or harmless.
 */
import type { Order } from '../order/order.entity.js';
import type { Payment } from '../payment/payment.entity.js';
import type { Cause, LineageTransaction } from '../transition/lineage-transaction.js';
import type { OutboxMessage } from './outbox-message.entity.js';

/** The order an effect is owed for, loaded under its lineage's lock. */
export interface EffectTarget {
  order: Order;
  payment: Payment;
}

/**
 * Thrown by a handler when no retry can help (the gateway says the payment can no longer be voided, say): the
 * row is FAILED at once, with this message, instead of after OUTBOX_MAX_ATTEMPTS.
 */
export class UndeliverableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndeliverableError';
  }
}

/** What every handler may add to its delivery. */
export interface FailureHook {
  /**
   * What failing for good means for the row's order (flag it, tell the shop). Called once per time the row becomes
   * FAILED (after OUTBOX_MAX_ATTEMPTS, or at once on an UndeliverableError), inside the order's lineage transaction
   * that marks it FAILED: both are written or neither is (the row then stays claimed until its lease expires and
   * is tried again). Only for rows that name an order. Throws to leave the row as it was.
   */
  onFailedForGood?(tx: LineageTransaction, target: EffectTarget, row: OutboxMessage, lastError: string, cause: Cause): Promise<void> | void;
}

export interface InDatabaseHandler extends FailureHook {
  readonly kind: 'database';
  /**
   * Applies the effect inside `tx` (the lineage lock is held; the row is marked done in the same transaction).
   * Throws to fail this attempt: nothing it wrote is kept, and the row is retried later.
   */
  apply(tx: LineageTransaction, target: EffectTarget, row: OutboxMessage, cause: Cause): Promise<void>;
}

export interface ExternalHandler extends FailureHook {
  readonly kind: 'external';
  /**
   * The longest one delivery can take, milliseconds (its own timeouts must guarantee it). The dispatcher does not
   * start a delivery that its lease on the row may not outlast: another worker could take the row over meanwhile
   * and deliver it a second time. Undefined: no such check.
   */
  readonly timeoutMs?: number;
  /**
   * Delivers the effect; throws to fail this attempt (retried later, or FAILED at once for an UndeliverableError).
   * Returns what the other side answered, kept with the row (bounded).
   */
  deliver(row: OutboxMessage): Promise<string | void>;
}

export type OutboxHandler = InDatabaseHandler | ExternalHandler;
