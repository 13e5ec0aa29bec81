/**
 * Stripe's PaymentIntent (with its latest Charge and that Charge's refunds expanded), as the API answers it, and how
 * it maps onto our payment statuses (GATEWAYS.md). Only the fields we read are validated; the rest pass through.
 * Every webhook is confirmed by fetching the PaymentIntent, so this snapshot is the only thing ever applied.
 */
import { z } from 'zod';
import { PaymentStatus } from '../../modules/payment/payment.machine.js';
import { MAX_MONEY } from '../../modules/shared/money.js';
import { GatewayOperationOutcome, OperationKind, type GatewayOperationReport, type PaymentStateEvent } from '../gateway.js';

/** An amount in minor units, as the service holds money. */
const amount = z.number().int().nonnegative().max(MAX_MONEY);

export const StripeRefundSchema = z.looseObject({
  id: z.string().min(1).max(64),
  amount,
  /** pending, requires_action, succeeded, failed, canceled. */
  status: z.string().nullable().optional(),
});

export const StripeChargeSchema = z.looseObject({
  id: z.string().min(1).max(64),
  object: z.literal('charge'),
  amount,
  amount_captured: amount.default(0),
  amount_refunded: amount.default(0),
  captured: z.boolean().default(false),
  /** succeeded (authorised or captured), pending, failed. */
  status: z.string(),
  refunds: z.looseObject({ data: z.array(StripeRefundSchema), has_more: z.boolean().default(false) }).nullable().optional(),
});
export type StripeCharge = z.infer<typeof StripeChargeSchema>;

export const StripePaymentIntentSchema = z.looseObject({
  id: z.string().regex(/^pi_[A-Za-z0-9_]{1,60}$/),
  object: z.literal('payment_intent'),
  amount,
  amount_capturable: amount.default(0),
  amount_received: amount.default(0),
  currency: z.string().regex(/^[a-z]{3}$/),
  status: z.string(),
  livemode: z.boolean().default(false),
  metadata: z.record(z.string(), z.string()).default({}),
  last_payment_error: z.looseObject({ code: z.string().nullable().optional(), message: z.string().nullable().optional() }).nullable().optional(),
  // A string when not expanded: then only totals can be told, and no refunds.
  latest_charge: z.union([z.string(), StripeChargeSchema]).nullable().optional(),
});
export type StripePaymentIntent = z.infer<typeof StripePaymentIntentSchema>;

/**
 * Where a PaymentIntent status stands in Stripe's own progression, for `PaymentStateEvent.sequence`. A PaymentIntent
 * carries no version number, and a webhook's `created` is the event's time, not the snapshot's; but its life only
 * moves forward through these ranks (a refusal comes after the attempt that was refused, an authorisation after a
 * refusal the shopper retried past, a void or a capture after the authorisation), and within `succeeded` only its
 * refunds grow. So the rank, then the money moved, orders any two snapshots of one PaymentIntent.
 */
const RANKS: Readonly<Record<string, number>> = {
  requires_payment_method: 1,
  requires_confirmation: 1,
  requires_action: 1,
  processing: 2,
  // requires_payment_method after a failed attempt: rank 3 (see statusRank).
  requires_capture: 4,
  canceled: 5,
  succeeded: 6,
};
/** Room for the money moved under each rank (about 1.7e13 minor units): 7 ranks stay within a safe integer. */
const RANK_SPAN = 2 ** 44;

function statusRank(pi: StripePaymentIntent): number {
  if (pi.status === 'requires_payment_method' && pi.last_payment_error) return 3;
  return RANKS[pi.status] ?? 1;
}

/** The snapshot's place in the PaymentIntent's life; higher is newer. */
export function snapshotSequence(pi: StripePaymentIntent): number {
  const charge = expandedCharge(pi);
  const moved = pi.amount_received + (charge?.amount_refunded ?? 0);
  return statusRank(pi) * RANK_SPAN + Math.min(moved, RANK_SPAN - 1);
}

/** Our status for a PaymentIntent (GATEWAYS.md): a captured one with any money refunded is REFUNDED, as QuickPay's. */
export function mapStatus(pi: StripePaymentIntent): PaymentStatus {
  switch (pi.status) {
    case 'requires_capture':
      return PaymentStatus.AUTHORIZED;
    case 'succeeded':
      return (expandedCharge(pi)?.amount_refunded ?? 0) > 0 ? PaymentStatus.REFUNDED : PaymentStatus.CAPTURED;
    case 'canceled':
      return PaymentStatus.CANCELLED;
    case 'requires_payment_method':
      // The first state of every PaymentIntent, and the one a declined attempt returns to: the error tells them apart.
      return pi.last_payment_error ? PaymentStatus.REFUSED : PaymentStatus.PENDING;
    default:
      // processing, requires_action (3-D Secure), requires_confirmation: still on its way.
      return PaymentStatus.PENDING;
  }
}

function expandedCharge(pi: StripePaymentIntent): StripeCharge | null {
  return pi.latest_charge && typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
}

/** Whether money was ever authorised on it: a charge that succeeded (captured or not). */
function wasAuthorised(pi: StripePaymentIntent): boolean {
  if (pi.status === 'requires_capture' || pi.status === 'succeeded') return true;
  return expandedCharge(pi)?.status === 'succeeded';
}

const REFUND_OUTCOMES: Readonly<Record<string, GatewayOperationOutcome>> = {
  succeeded: GatewayOperationOutcome.SUCCEEDED,
  failed: GatewayOperationOutcome.FAILED,
  canceled: GatewayOperationOutcome.FAILED,
};

/**
 * The capture, refunds and void of the PaymentIntent as the operations ledger reads them; undefined (totals only)
 * when the charge or its full list of refunds is not in the snapshot.
 */
function operationReports(pi: StripePaymentIntent): GatewayOperationReport[] | undefined {
  const charge = expandedCharge(pi);
  if (pi.status === 'canceled') {
    // Stripe has no operation id for a void: the PaymentIntent's, marked, names the one cancel it can have.
    return wasAuthorised(pi) ? [{ gatewayOperationId: `${pi.id}:cancel`, kind: OperationKind.CANCEL, amount: 0, outcome: GatewayOperationOutcome.SUCCEEDED, answer: `PaymentIntent ${pi.id} canceled` }] : [];
  }
  if (!charge) return pi.latest_charge ? undefined : [];
  if (!charge.refunds || charge.refunds.has_more) return undefined;
  const reports: GatewayOperationReport[] = [];
  if (charge.captured && charge.amount_captured > 0) {
    // One capture per PaymentIntent: the charge's id is the capture's.
    reports.push({ gatewayOperationId: charge.id, kind: OperationKind.CAPTURE, amount: charge.amount_captured, outcome: GatewayOperationOutcome.SUCCEEDED, answer: `charge ${charge.id} captured ${charge.amount_captured}` });
  }
  for (const r of charge.refunds.data) {
    const outcome = REFUND_OUTCOMES[r.status ?? ''] ?? GatewayOperationOutcome.PENDING;
    reports.push({ gatewayOperationId: r.id, kind: OperationKind.REFUND, amount: r.amount, outcome, answer: `refund ${r.id} ${r.status ?? 'no status'} ${r.amount}` });
  }
  return reports;
}

/** The payment state a PaymentIntent snapshot says; null when it carries no reference of ours (not made by us). */
export function toPaymentStateEvent(pi: StripePaymentIntent): PaymentStateEvent | null {
  const reference = pi.metadata.reference;
  if (!reference) return null;
  const charge = expandedCharge(pi);
  const status = mapStatus(pi);
  const authorised = wasAuthorised(pi) ? (pi.status === 'requires_capture' ? pi.amount_capturable : (charge?.amount ?? pi.amount)) : 0;
  const captured = pi.status === 'succeeded' ? (charge?.amount_captured ?? pi.amount_received) : 0;
  const refunded = pi.status === 'succeeded' ? (charge?.amount_refunded ?? 0) : 0;
  const failure = pi.last_payment_error?.code ? ` (${pi.last_payment_error.code})` : '';
  const operations = operationReports(pi);
  return {
    reference,
    gatewayPaymentId: pi.id,
    status,
    sequence: snapshotSequence(pi),
    currency: pi.currency.toUpperCase(),
    amountAuthorized: authorised,
    amountCaptured: captured,
    amountRefunded: refunded,
    // Stripe's fee is on the charge's balance transaction, known only after settlement: not read.
    fee: 0,
    testMode: !pi.livemode,
    detail: `Stripe PaymentIntent ${pi.id}: ${pi.status}${status === PaymentStatus.REFUSED ? failure : ''}`,
    ...(operations ? { operations } : {}),
  };
}
