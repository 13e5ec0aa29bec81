/**
 * Voids an authorisation that has no order to pay for (invariant 5): the VOID_PAYMENT row written when a late
 * authorisation could not revive its cancelled order. The worker asks the payment's gateway to cancel it, and
 * applies the gateway's answer exactly as a notification is applied (PaymentStateService.apply in the lineage's
 * transaction), so the payment's CANCELLED status is audited like any other (source WORKER, trigger
 * `outbox.void_payment`, the gateway's own description of the answer in the detail).
 *
 * The void is an operation of the payment's ledger: its row (requested by WORKER, key `void:<payment id>`) is
 * written before the gateway is asked, so the answer or the gateway's callback settles that row.
 *
 * Idempotent at the gateway: a redelivery finds the payment already CANCELLED here and asks nothing. When the first
 * attempt's answer was lost (a timeout, a crash before it was applied), the gateway refuses to cancel a second time
 * (QuickPay answers 400, "Payment is cancelled"); a refusal is therefore followed by asking the gateway where the
 * payment stands, and an answer of "cancelled" is the void done, not an error retried for ever. A payment the
 * gateway says is captured can no longer be voided: the row fails at once. When the row fails for good, the order is
 * flagged VOID_FAILED (and the shop told) in the same transaction that marks the row FAILED.
 */
import type { Orm } from '../../db/orm.js';
import type { GatewayRegistry } from '../../gateways/gateway-registry.js';
import { ConflictError } from '../../errors/app-errors.js';
import { GatewayApiError, OperationKind, type GatewayName, type PaymentStateEvent } from '../../gateways/gateway.js';
import { OperationRequester } from '../payment-operation/payment-operation.entity.js';
import type { PaymentOperationService } from '../payment-operation/payment-operations.service.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { OrderFlag } from '../order/order.entity.js';
import { flag } from '../order/order-lifecycle.js';
import { UndeliverableError, type ExternalHandler } from '../outbox/outbox-handler.js';
import type { OutboxMessage } from '../outbox/outbox-message.entity.js';
import { NO_LINEAGE, type TransitionService } from '../transition/transition.service.js';
import type { PaymentStateService } from './payment-state.service.js';
import { gatewayPaymentOf, Payment } from './payment.entity.js';
import { holdsMoney, PaymentStatus } from './payment.machine.js';

/** What the void needs: where the payment is, the gateway to ask, the ledger, and the one path that applies its answer. */
export interface VoidPaymentDeps {
  orm: Orm;
  gateways: GatewayRegistry;
  transitions: TransitionService;
  payments: PaymentStateService;
  paymentOperations: PaymentOperationService;
}

/** The payload `makeReadyOrFlag` writes for a VOID_PAYMENT row. */
export interface VoidPaymentPayload {
  paymentId: string;
  gateway: GatewayName;
  gatewayPaymentId: string | null;
}

/** The audit trail's trigger for what the gateway answered a void. */
export const VOID_TRIGGER = 'outbox.void_payment';

/** The VOID_PAYMENT handler. */
export function voidPaymentHandler(deps: VoidPaymentDeps): ExternalHandler {
  return {
    kind: 'external',
    deliver: (row) => voidPayment(deps, row),
    onFailedForGood(tx, { order, payment }, _row, _lastError, cause) {
      flag(tx, order, payment, OrderFlag.VOID_FAILED, cause);
    },
  };
}

async function voidPayment(deps: VoidPaymentDeps, row: OutboxMessage): Promise<string> {
  const { paymentId, gateway: gatewayName } = row.payload as unknown as VoidPaymentPayload;
  const em = deps.orm.em.fork();
  const payment = await em.findOneOrFail(Payment, { id: paymentId });
  // Our record only moves on the gateway's verified word: if it holds no money any more (cancelled by the first
  // attempt, or by a callback), there is nothing to void and nothing to ask.
  if (!holdsMoney(payment)) return `nothing to void: the payment is ${payment.status}`;
  if (!payment.gatewayPaymentId) throw new UndeliverableError(`payment ${payment.id} has no gateway payment id to cancel`);
  const gateway = deps.gateways.get(gatewayName);
  // The void is an operation of the payment's ledger (requested by WORKER), matched by the gateway's answer or callback.
  const idempotencyKey = `void:${payment.id}`;
  await deps.paymentOperations
    .reserve({ orderId: payment.orderId, kind: OperationKind.CANCEL, amount: null, idempotencyKey, reason: 'no order can use this authorisation', requestedBy: OperationRequester.WORKER })
    .catch((e: unknown) => {
      // Written by an earlier attempt, or no longer a void the rules allow: what the gateway says below decides.
      if (!(e instanceof ConflictError)) throw e;
    });

  let answer: PaymentStateEvent;
  let refusal: string | undefined;
  try {
    // One void per payment: its key is the payment's, so a gateway that honours keys cancels once however often asked.
    answer = await gateway.cancel(gatewayPaymentOf(payment), { idempotencyKey });
  } catch (e) {
    // Unreachable, 5xx, timeout: the cancel may or may not have happened; the retry finds out.
    if (!(e instanceof GatewayApiError) || e.status === undefined || e.status < 400 || e.status >= 500) throw e;
    refusal = e.message;
    const current = await gateway.fetchPaymentStatus(gatewayPaymentOf(payment));
    if (!current) throw new Error(`${gatewayName} refused the cancel (${refusal}) and does not know the payment`);
    answer = current;
  }

  const cause = {
    trigger: VOID_TRIGGER,
    source: TransitionSource.WORKER,
    detail: `${gatewayName}'s answer to the void (outbox row ${row.id}): ${answer.detail}`,
  };
  const applied = await deps.transitions.inLineageOf({ orderId: payment.orderId }, async (tx) => deps.payments.apply(tx, await tx.orderWithPayment(), answer, cause));
  if (applied === NO_LINEAGE) throw new Error(`the order ${payment.orderId} of payment ${payment.id} is gone`); // orders are never deleted

  const said = refusal ? `the cancel was refused (${refusal}); the gateway says ${answer.status}` : `the gateway says ${answer.status}`;
  if (answer.status === PaymentStatus.CANCELLED) return `voided: ${said}; ${applied.summary}`;
  if (!holdsMoney(answer)) return `nothing left to void: ${said}; ${applied.summary}`;
  if (answer.status === PaymentStatus.AUTHORIZED) throw new Error(`not voided: ${said} (${answer.detail})`);
  // Captured: only a refund gives the money back, and that is the shop's decision.
  throw new UndeliverableError(`cannot be voided: ${said} (captured ${answer.amountCaptured}); refund it by hand`);
}
