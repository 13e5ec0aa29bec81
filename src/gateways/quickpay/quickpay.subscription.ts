/**
 * A QuickPay subscription as one payment of ours. At QuickPay a subscription holds the card (its `subscribe`
 * operation authorises it, `cancel` ends it) and each recurring charge is a payment of its own: its own id, the
 * order id we gave it, `subscription_id` naming the subscription, a `recurring` operation that authorises it and a
 * `capture` that takes the money, refunded on that payment. We keep the subscription as one payment whose ledger
 * holds each charge (RECURRING) and each refund of one (REFUND); this file folds the subscription and its charges
 * (`GET /subscriptions/{id}/payments`) into that one view.
 */
import { createHash } from 'node:crypto';
import { PaymentStatus } from '../../modules/payment/payment.machine.js';
import { GatewayOperationOutcome, OperationKind, type GatewayOperationReport, type PaymentStateEvent } from '../gateway.js';
import { gatewaySequence, operationAnswer, operationOutcome, operationReport, QP_APPROVED, sum, toPaymentStateEvent, type QuickPayOperation, type QuickPayPayment } from './quickpay.payment.js';

/** Our references: 'R' and 15 upper-case base-36 characters (QuickPayGateway.newPaymentReference). */
const REFERENCE_LENGTH = 16;
/** A charge's order id: the subscription's reference and four hex characters of the request's key. */
const CHARGE_ORDER_ID = /^(R[0-9A-Z]{15})[0-9A-F]{4}$/;

/**
 * The order id of a recurring charge (QuickPay wants 4-20 alphanumerics, unique per account): the subscription's
 * reference and four characters of the request's key, so a repeated request asks for the same charge, and a charge's
 * callback names the subscription it belongs to.
 */
export function chargeOrderId(subscriptionReference: string, idempotencyKey: string): string {
  const suffix = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 4).toUpperCase();
  return `${subscriptionReference.slice(0, REFERENCE_LENGTH)}${suffix}`;
}

/** The reference of the subscription a charge's order id was made from; null for an order id we did not make. */
export function subscriptionReferenceOf(chargeOrderIdValue: string): string | null {
  return CHARGE_ORDER_ID.exec(chargeOrderIdValue)?.[1] ?? null;
}

/**
 * What a recurring charge's callback claims: only which subscription it concerns. The subscription's state is
 * the subscription and all its charges together, so the inbox asks QuickPay for them (`confirmBeforeApplying`).
 * A charge made outside the service with an order id of its own is named by that order id, which is no payment
 * of ours; the reconciler's fetch of the subscription still finds it.
 */
export function chargeClaim(charge: QuickPayPayment): PaymentStateEvent | null {
  const own = toPaymentStateEvent(charge);
  if (!own || !charge.subscription_id) return own;
  return {
    ...own,
    reference: subscriptionReferenceOf(charge.order_id) ?? charge.order_id,
    gatewayPaymentId: String(charge.subscription_id),
    detail: `QuickPay recurring payment ${charge.id} (${charge.order_id}) of subscription ${charge.subscription_id}: ${own.detail}`,
    confirmBeforeApplying: true,
  };
}

/** A charge's money: taken once its capture is approved, given back by its approved refunds. */
function chargeReports(charge: QuickPayPayment): GatewayOperationReport[] {
  const ops = [...charge.operations].sort((a, b) => a.id - b.id);
  const recurring = ops.filter((o) => o.type === 'recurring').at(-1);
  if (!recurring) return [];
  const id = `payment ${charge.id}`;
  const captures = ops.filter((o) => o.type === 'capture');
  const captured = sum(captures.filter(approved));
  const refunds = ops.filter((o) => o.type === 'refund').map((o) => operationReport(o, OperationKind.REFUND, `${id} operation ${o.id}`));
  const words = `recurring payment ${charge.id} (${charge.order_id})`;
  if (captured > 0) {
    return [{ gatewayOperationId: id, kind: OperationKind.RECURRING, amount: captured, outcome: GatewayOperationOutcome.SUCCEEDED, answer: `${words}: captured` }, ...refunds];
  }
  // Not taken (yet): the authorisation or the capture is in flight, or one of them failed, or it was cancelled.
  const last = captures.at(-1) ?? recurring;
  const cancelled = ops.some((o) => o.type === 'cancel' && approved(o));
  const outcome = cancelled ? GatewayOperationOutcome.FAILED : last === recurring && approved(recurring) ? GatewayOperationOutcome.PENDING : operationOutcome(last);
  return [{ gatewayOperationId: id, kind: OperationKind.RECURRING, amount: recurring.amount, outcome, answer: `${words}: ${cancelled ? 'cancelled' : operationAnswer(last)}` }];
}

const approved = (o: QuickPayOperation) => !o.pending && o.qp_status_code === QP_APPROVED;

/**
 * The subscription with its charges, as one payment: its own status until a charge takes money (CAPTURED, REFUNDED
 * once any of it is refunded, as for a payment), and that status stays when the subscription is cancelled later
 * (cancelling ends future charges, it gives nothing back). The sequence adds up the subscription's and every
 * charge's own, so it grows with each operation on any of them. Null when the subscription has no operation yet.
 */
export function toSubscriptionStateEvent(subscription: QuickPayPayment, charges: readonly QuickPayPayment[]): PaymentStateEvent | null {
  const own = toPaymentStateEvent(subscription);
  if (!own) return null;
  const ours = charges.filter((c) => c.subscription_id === subscription.id).sort((a, b) => a.id - b.id);
  const chargeOps = ours.flatMap(chargeReports);
  const total = (kind: OperationKind) => chargeOps.filter((r) => r.kind === kind && r.outcome === GatewayOperationOutcome.SUCCEEDED).reduce((s, r) => s + r.amount, 0);
  const captured = total(OperationKind.RECURRING);
  const refunded = total(OperationKind.REFUND);
  const status = captured > 0 ? (refunded > 0 ? PaymentStatus.REFUNDED : PaymentStatus.CAPTURED) : own.status;
  const sequence = ours.reduce((s, c) => s + (c.operations.length ? gatewaySequence([...c.operations].sort((a, b) => a.id - b.id).at(-1)!) : 0), own.sequence);
  return {
    ...own,
    status,
    sequence,
    amountCaptured: captured,
    amountRefunded: refunded,
    detail: `${own.detail.replace('QuickPay payment', 'QuickPay subscription')}; ${ours.length} recurring payment${ours.length === 1 ? '' : 's'}`,
    operations: [...(own.operations ?? []), ...chargeOps],
  };
}

/** The newest charge with `amount` captured and not yet refunded (a refund is one operation on one charge). */
export function chargeToRefund(charges: readonly QuickPayPayment[], amount: number): QuickPayPayment | undefined {
  const left = (c: QuickPayPayment) => {
    const ok = c.operations.filter(approved);
    return sum(ok.filter((o) => o.type === 'capture')) - sum(ok.filter((o) => o.type === 'refund'));
  };
  return [...charges].sort((a, b) => b.id - a.id).find((c) => left(c) >= amount);
}
