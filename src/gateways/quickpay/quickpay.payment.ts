/**
 * The QuickPay v10 payment resource, as callbacks and the status API carry it, and how its operations map onto
 * our payment statuses (GATEWAYS.md). Only the fields we read are validated; the rest pass through.
 */
import { z } from 'zod';
import { PaymentStatus } from '../../modules/payment/payment.machine.js';
import { MAX_MONEY } from '../../modules/shared/money.js';
import { GatewayOperationOutcome, MalformedNotificationError, OperationKind, type GatewayOperationReport, type PaymentStateEvent } from '../gateway.js';

/** An amount in minor units, as the service holds money (a negative or larger one is not a real payment). */
const amount = z.number().int().nonnegative().max(MAX_MONEY);

export const QuickPayOperationSchema = z.looseObject({
  id: z.number().int().positive(),
  type: z.string(),
  amount: amount.default(0),
  pending: z.boolean().default(false),
  qp_status_code: z.string().nullable().optional(),
  qp_status_msg: z.string().nullable().optional(),
  aq_status_code: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
});
export type QuickPayOperation = z.infer<typeof QuickPayOperationSchema>;

export const QuickPayPaymentSchema = z.looseObject({
  id: z.number().int().positive(),
  order_id: z.string().min(1).max(64),
  accepted: z.boolean().default(false),
  type: z.string().default('Payment'),
  currency: z.string().regex(/^[A-Za-z]{3}$/),
  state: z.string().optional(),
  test_mode: z.boolean().default(false),
  operations: z.array(QuickPayOperationSchema).default([]),
  fee: amount.nullable().optional(),
  balance: z.number().int().nullable().optional(),
  link: z.looseObject({ amount: amount.optional() }).nullable().optional(),
  /** Set on a recurring charge: the subscription it charges (QuickPay makes each charge a payment of its own). */
  subscription_id: z.number().int().positive().nullable().optional(),
});
export type QuickPayPayment = z.infer<typeof QuickPayPaymentSchema>;

/** QuickPay's code for an approved operation. */
export const QP_APPROVED = '20000';
/** Authorisation expired. */
const QP_AUTH_EXPIRED = '40002';

export function sum(ops: QuickPayOperation[]): number {
  const total = ops.reduce((s, o) => s + o.amount, 0);
  if (!Number.isSafeInteger(total) || total > MAX_MONEY) throw new MalformedNotificationError(`operations add up to more than ${MAX_MONEY}`);
  return total;
}

/**
 * Where a snapshot stands in QuickPay's own order: by its latest operation, and for the same operation a settled
 * one after its pending version (a 3-D Secure authorisation is sent pending, then again settled under the same
 * operation id). So a late copy of the pending snapshot is older than the settled one, never a conflicting twin.
 */
export function gatewaySequence(latest: QuickPayOperation): number {
  return latest.id * 2 + (latest.pending ? 0 : 1);
}

/** QuickPay's operation types that are payment operations of the ledger. */
const LEDGER_KINDS: Readonly<Record<string, OperationKind>> = {
  capture: OperationKind.CAPTURE,
  refund: OperationKind.REFUND,
  cancel: OperationKind.CANCEL,
  recurring: OperationKind.RECURRING,
};

/** The payment's captures, refunds, cancels and recurring charges, as the operations ledger reads them. */
function operationReports(ops: QuickPayOperation[]): GatewayOperationReport[] {
  return ops.flatMap((op) => {
    const kind = LEDGER_KINDS[op.type];
    return kind ? [operationReport(op, kind, String(op.id))] : [];
  });
}

/** One QuickPay operation as the ledger reads it, under the given id. */
export function operationReport(op: QuickPayOperation, kind: OperationKind, gatewayOperationId: string): GatewayOperationReport {
  return { gatewayOperationId, kind, amount: op.amount, outcome: operationOutcome(op), answer: operationAnswer(op) };
}

/** Where one operation stands: in flight while pending, else approved (20000) or not. */
export function operationOutcome(op: QuickPayOperation): GatewayOperationOutcome {
  if (op.pending) return GatewayOperationOutcome.PENDING;
  return op.qp_status_code === QP_APPROVED ? GatewayOperationOutcome.SUCCEEDED : GatewayOperationOutcome.FAILED;
}

/** QuickPay's words for an operation, for the ledger. */
export function operationAnswer(op: QuickPayOperation): string {
  const answer = `operation ${op.id} ${op.type} ${op.pending ? 'pending' : (op.qp_status_code ?? 'no status')}${op.qp_status_msg ? ` ${op.qp_status_msg}` : ''}`;
  return answer.slice(0, 300);
}

/**
 * Replays the operations in order. Approved operations move the state (authorize -> AUTHORIZED, capture ->
 * CAPTURED unless already REFUNDED, refund -> REFUNDED, cancel -> CANCELLED); a failed authorize before any
 * approval is REFUSED (EXPIRED for 40002); a pending operation before any approval leaves the payment PENDING.
 */
export function toPaymentStateEvent(payment: QuickPayPayment): PaymentStateEvent | null {
  const ops = [...payment.operations].sort((a, b) => a.id - b.id);
  if (ops.length === 0) return null;
  const approved = (o: QuickPayOperation) => !o.pending && o.qp_status_code === QP_APPROVED;
  let status: PaymentStatus = PaymentStatus.PENDING;
  let last = ops[ops.length - 1];
  for (const op of ops) {
    last = op;
    const authorised = status !== PaymentStatus.PENDING && status !== PaymentStatus.REFUSED && status !== PaymentStatus.EXPIRED;
    if (op.pending) continue;
    if (approved(op)) {
      if (op.type === 'authorize' || op.type === 'subscribe') status = PaymentStatus.AUTHORIZED;
      // After a refund a payment stays REFUNDED (our machine never moves back): a further capture amends its amounts.
      else if (op.type === 'capture' || op.type === 'recurring') status = status === PaymentStatus.REFUNDED ? status : PaymentStatus.CAPTURED;
      else if (op.type === 'refund') status = PaymentStatus.REFUNDED;
      else if (op.type === 'cancel') status = PaymentStatus.CANCELLED;
    } else if ((op.type === 'authorize' || op.type === 'subscribe') && !authorised && op.qp_status_code) {
      status = op.qp_status_code === QP_AUTH_EXPIRED ? PaymentStatus.EXPIRED : PaymentStatus.REFUSED;
    }
  }
  const ok = ops.filter(approved);
  const authorizeOp = [...ok].reverse().find((o) => o.type === 'authorize' || o.type === 'subscribe');
  return {
    reference: payment.order_id,
    gatewayPaymentId: String(payment.id),
    status,
    sequence: gatewaySequence(last),
    currency: payment.currency.toUpperCase(),
    amountAuthorized: authorizeOp?.amount ?? 0,
    amountCaptured: sum(ok.filter((o) => o.type === 'capture' || o.type === 'recurring')),
    amountRefunded: sum(ok.filter((o) => o.type === 'refund')),
    fee: payment.fee ?? 0,
    testMode: payment.test_mode,
    detail: `QuickPay payment ${payment.id}: operation ${last.id} ${last.type} ${last.pending ? 'pending' : (last.qp_status_code ?? 'no status')}`,
    operations: operationReports(ops),
  };
}
