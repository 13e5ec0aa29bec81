/**
 * The shop's payment operations (seed 003): capture, refund, cancel, and recurring charges of a subscription. Each
 * is one row of the operations ledger, in three steps:
 *
 * 1. Under the lineage lock: a repeat of the idempotency key finds its row (and waits for it while it is in
 *    flight); a new key is checked against the rules (operation-rules.ts) and written REQUESTED.
 * 2. The gateway is asked, outside any transaction, with the row's key.
 * 3. Its answer is applied as the gateway's verified word (PaymentStateService.apply, source BACK_OFFICE), which
 *    settles the row by the operation the answer lists. A refusal (4xx) fails the row; an outcome that is unknown
 *    (no answer, a 5xx) leaves it REQUESTED, never asked again: the gateway's callback for the operation, or the
 *    reconciler's status fetch (scheduled here), settles it. A blind retry could capture twice.
 */
import { BadUserInputError, ConflictError, NotFoundError } from '../../errors/app-errors.js';
import type { Logger } from '../../app/logger.js';
import type { ReconcilerPolicy } from '../../config/config.js';
import type { Orm } from '../../db/orm.js';
import type { GatewayRegistry } from '../../gateways/gateway-registry.js';
import { GatewayApiError, OperationKind, type GatewayPayment, type OperationRequest, type PaymentGateway, type PaymentStateEvent } from '../../gateways/gateway.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import type { Order } from '../order/order.entity.js';
import type { PaymentStateService } from '../payment/payment-state.service.js';
import { gatewayPaymentOf, type Payment } from '../payment/payment.entity.js';
import { checkMoney } from '../shared/money.js';
import { checkReason } from '../shared/reason.js';
import { storableText } from '../shared/storable-text.js';
import type { LineageTransaction } from '../transition/lineage-transaction.js';
import { loadOrderWithPayment } from '../transition/lineage-rows.js';
import { NO_LINEAGE, type TransitionService } from '../transition/transition.service.js';
import { decideOperation } from './operation-rules.js';
import { newOperationRow, OperationRequester, OperationStatus, PaymentOperation } from './payment-operation.entity.js';

export interface OperationAsk {
  orderId: string;
  kind: OperationKind;
  /** Minor units; null for "all that remains" (capture, refund) and for a cancel. */
  amount: number | null;
  idempotencyKey: string;
  reason: string | null;
  requestedBy: OperationRequester;
}

export interface OperationResult {
  operation: PaymentOperation;
  order: Order;
  payment: Payment;
}

const VERBS: Record<OperationKind, string> = { CAPTURE: 'capture', REFUND: 'refund', CANCEL: 'cancel', RECURRING: 'charge the subscription' };

/** How often a repeat looks again at an operation its first request is still asking the gateway about. */
const IN_FLIGHT_POLL_MS = 100;
/** How long a repeat waits for the first request's outcome (longer than a gateway call may take). */
const REPEAT_WAITS_AT_MOST_MS = 15_000;

export class PaymentOperationService {
  constructor(
    private readonly orm: Orm,
    private readonly transitions: TransitionService,
    private readonly payments: PaymentStateService,
    private readonly gateways: GatewayRegistry,
    private readonly policy: ReconcilerPolicy,
    private readonly log: Logger,
  ) {}

  /** Asks for one operation, or returns the one asked for before with the same key. */
  async request(ask: OperationAsk): Promise<OperationResult> {
    const reserved = await this.reserve(ask);
    if (!reserved.fresh) return this.settledRepeat(reserved.row.id);

    const { row, payment } = reserved;
    const gateway = this.gateways.get(payment.gateway);
    const request: OperationRequest = { idempotencyKey: `op:${row.id}` };
    let answer: PaymentStateEvent;
    try {
      answer = await askGateway(gateway, gatewayPaymentOf(payment), row.kind, row.amount, request);
    } catch (e) {
      if (!(e instanceof GatewayApiError)) throw e;
      return e.status !== undefined && e.status >= 400 && e.status < 500 ? this.refused(row, gateway, payment, e) : this.unknown(row, e);
    }
    try {
      return await this.applyAnswer(row, answer, `${gateway.name} answered the ${row.kind.toLowerCase()}`);
    } catch (e) {
      // The gateway acted, but its answer could not be applied here (the database failed): the reconciler finds out.
      await this.unknown(row, e instanceof Error ? e : new Error(String(e))).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Step 1: the operation's ledger row, REQUESTED, under the lineage lock; or the row written before with the same
   * key (`fresh` false). Refused (CONFLICT, with `extensions.reason`) when the rules say no.
   */
  async reserve(ask: OperationAsk): Promise<{ row: PaymentOperation; payment: Payment; fresh: boolean }> {
    const key = checkKey(ask.idempotencyKey);
    const reason = ask.reason == null ? null : checkReason(ask.reason);
    const amount = ask.amount == null || ask.kind === OperationKind.CANCEL ? null : checkMoney(ask.amount, 'amount', true);

    return this.inOrder(ask.orderId, async (tx) => {
      const { order, payment } = await tx.orderWithPayment();
      const rows = await tx.em.find(PaymentOperation, { paymentId: payment.id });
      const earlier = rows.find((r) => r.idempotencyKey === key);
      if (earlier) {
        if (earlier.kind !== ask.kind || (amount !== null && earlier.amount !== amount)) {
          throw new ConflictError(`idempotency key ${key} was used for a ${earlier.kind} of ${earlier.amount}`, { orderId: order.id, reason: 'IDEMPOTENCY_KEY_REUSED' });
        }
        return { row: earlier, payment, fresh: false };
      }
      const gateway = this.gateways.get(payment.gateway); // GATEWAY_NOT_CONFIGURED before anything is written
      if (ask.kind === OperationKind.RECURRING && !gateway.chargeSubscription) {
        throw new ConflictError(`${payment.gateway} has no subscriptions`, { orderId: order.id, reason: 'NOT_SUPPORTED' });
      }
      const decided = decideOperation(payment, rows, ask.kind, amount, ask.requestedBy === OperationRequester.WORKER);
      if ('refusal' in decided) throw new ConflictError(`cannot ${VERBS[ask.kind]}: ${decided.refusal.message}`, { orderId: order.id, reason: decided.refusal.reason });
      const row = tx.em.create(PaymentOperation, newOperationRow(payment, { kind: ask.kind, amount: decided.amount, status: OperationStatus.REQUESTED, idempotencyKey: key, requestedBy: ask.requestedBy, reason }, tx.now));
      return { row, payment, fresh: true };
    });
  }

  /** The ledger of one order's payment, oldest first. */
  async operationsOf(orderId: string): Promise<PaymentOperation[]> {
    return this.orm.em.fork().find(PaymentOperation, { orderId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Applies what the gateway answered (or where it says the payment stands) in the lineage, settling the row. */
  private async applyAnswer(row: PaymentOperation, answer: PaymentStateEvent, said: string, refusal?: string): Promise<OperationResult> {
    const cause = {
      trigger: `backoffice.${row.kind.toLowerCase()}`,
      source: TransitionSource.BACK_OFFICE,
      detail: storableText(`${row.kind} ${row.amount} (key ${row.idempotencyKey})${row.reason ? `: ${row.reason}` : ''}; ${said}: ${answer.detail}`, 500),
    };
    return this.inOrder(row.orderId, async (tx) => {
      const pair = await tx.orderWithPayment();
      await this.payments.apply(tx, pair, answer, cause);
      const current = await tx.em.findOneOrFail(PaymentOperation, { id: row.id });
      // The gateway refused, and what it holds shows no such operation: it failed, with the gateway's words.
      if (refusal !== undefined && current.status === OperationStatus.REQUESTED) {
        current.status = OperationStatus.FAILED;
        current.answer = storableText(refusal, 500);
        current.settledAt = tx.now;
      }
      return { operation: current, ...pair };
    });
  }

  /** A 4xx: the gateway did not do it. Where it stands is asked, so a failed operation it recorded is matched. */
  private async refused(row: PaymentOperation, gateway: PaymentGateway, payment: Payment, error: GatewayApiError): Promise<OperationResult> {
    const refusal = `refused by ${gateway.name}: ${error.message}`;
    let current: PaymentStateEvent | null = null;
    try {
      current = await gateway.fetchPaymentStatus(gatewayPaymentOf(payment));
    } catch (e) {
      this.log.warn({ err: e, operationId: row.id }, 'could not ask the gateway where a payment stands after it refused an operation');
    }
    if (current) return this.applyAnswer(row, current, `${gateway.name} refused the ${row.kind.toLowerCase()}; it says`, refusal);
    return this.whileOpen(row, (operation, tx) => Object.assign(operation, { status: OperationStatus.FAILED, answer: storableText(refusal, 500), settledAt: tx.now }));
  }

  /** No answer, or a 5xx: whether the gateway acted is unknown. The row stays REQUESTED and the reconciler asks. */
  private async unknown(row: PaymentOperation, error: Error): Promise<OperationResult> {
    this.log.warn({ operationId: row.id, kind: row.kind, err: error.message }, 'the outcome of a payment operation is unknown; the gateway is asked later');
    return this.whileOpen(row, (operation, tx, { payment }) => {
      operation.answer = storableText(`outcome unknown: ${error.message}; settled by the gateway's callback or the reconciler`, 500);
      const askAt = new Date(tx.now.getTime() + this.policy.operationSettleAfterMs);
      if (!payment.reconcileAt || payment.reconcileAt > askAt) payment.reconcileAt = askAt;
    });
  }

  /** Changes the operation's row in its lineage if it is still REQUESTED (a callback may have settled it meanwhile). */
  private whileOpen(row: PaymentOperation, change: (operation: PaymentOperation, tx: LineageTransaction, pair: { order: Order; payment: Payment }) => void): Promise<OperationResult> {
    return this.inOrder(row.orderId, async (tx) => {
      const pair = await tx.orderWithPayment();
      const operation = await tx.em.findOneOrFail(PaymentOperation, { id: row.id });
      if (operation.status === OperationStatus.REQUESTED) change(operation, tx, pair);
      return { operation, ...pair };
    });
  }

  /**
   * A repeat: the first request's result once its gateway call is over; the row as it is when that takes longer
   * than a repeat waits (the first request is slow, or died before it could write the outcome).
   */
  private async settledRepeat(id: string): Promise<OperationResult> {
    const waitUntil = Date.now() + REPEAT_WAITS_AT_MOST_MS;
    for (;;) {
      const operation = await this.orm.em.fork().findOneOrFail(PaymentOperation, { id });
      const inFlight = operation.status === OperationStatus.REQUESTED && operation.answer === null;
      if (!inFlight || Date.now() >= waitUntil) {
        // A read, not a change: no lineage lock to take.
        const found = await loadOrderWithPayment(this.orm.em.fork(), { orderId: operation.orderId });
        if (!found) throw new NotFoundError('Order', operation.orderId); // orders are never deleted
        return { operation, ...found };
      }
      await new Promise((r) => setTimeout(r, IN_FLIGHT_POLL_MS));
    }
  }

  private async inOrder<T>(orderId: string, work: (tx: LineageTransaction) => Promise<T>): Promise<T> {
    const result = await this.transitions.inLineageOf({ orderId }, work);
    if (result === NO_LINEAGE) throw new NotFoundError('Order', orderId);
    return result;
  }
}

/** Asks the gateway for one operation. */
function askGateway(gateway: PaymentGateway, payment: GatewayPayment, kind: OperationKind, amount: number, request: OperationRequest): Promise<PaymentStateEvent> {
  switch (kind) {
    case OperationKind.CAPTURE:
      return gateway.capture(payment, amount, request);
    case OperationKind.REFUND:
      return gateway.refund(payment, amount, request);
    case OperationKind.CANCEL:
      return gateway.cancel(payment, request);
    case OperationKind.RECURRING:
      return gateway.chargeSubscription!(payment, amount, request); // checked when the row was written
  }
}

/** An idempotency key: 1 to 100 printable characters. */
function checkKey(key: string): string {
  if (!/^[\x21-\x7e]{1,100}$/.test(key)) throw new BadUserInputError('idempotencyKey must be 1 to 100 printable ASCII characters without spaces', { field: 'idempotencyKey' });
  return key;
}
