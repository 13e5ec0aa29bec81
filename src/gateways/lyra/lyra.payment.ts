/**
 * One Lyra order as the service follows it: a payment of ours is Lyra's order (`vads_order_id` = our reference),
 * made of transactions: DEBITs (the shopper's attempts: a refused card then an accepted one are two) and CREDITs
 * (refunds). A form IPN tells one transaction; the REST IPN and Order/Get tell them all. Both are read into the
 * same `LyraTransaction`s, and the same function says where the payment stands, so both channels agree.
 */
import { PaymentStatus } from '../../modules/payment/payment.machine.js';
import { MAX_MONEY } from '../../modules/shared/money.js';
import { GatewayOperationOutcome, OperationKind, type GatewayOperationReport, type PaymentStateEvent } from '../gateway.js';
import { lyraStatus, REFUND_DONE, REFUND_FAILED } from './lyra.status.js';

export interface LyraTransaction {
  uuid: string;
  orderId: string;
  /** DEBIT (a payment) or CREDIT (a refund). */
  operationType: 'DEBIT' | 'CREDIT';
  /** `vads_trans_status` / REST `detailedStatus`, known to lyra.status.ts. */
  status: string;
  /** Minor units: what the transaction is for now (lowered by a partial capture). */
  amount: number;
  /** What was authorised, when it says (REST `authorizationResponse.amount`); else `amount`. */
  authorisedAmount: number | null;
  /** Whether the bank authorised it (`vads_auth_result` 00 / REST `authorizationResult` 0), when it says. */
  bankAuthorised: boolean | null;
  /** ISO 4217 alphabetic. */
  currency: string;
  /** Seconds since the epoch of the transaction's creation (`vads_trans_date`, REST `creationDate`). */
  createdAt: number;
  testMode: boolean;
}

/** Spacing of the sequence's parts: transaction creation second, then status rank (0-15), then refunds settled (0-63). */
const RANK_SPAN = 64;
const SECOND_SPAN = 16 * RANK_SPAN;

/**
 * Where an order stands. The DEBIT that counts is the latest one that holds money, or failing any, the latest one
 * (the shopper's last attempt). Refunds are its CREDITs. Null when the order has no DEBIT we can read.
 *
 * `sequence`: the counting DEBIT's creation second, then its status's rank in a transaction's life, then the number
 * of refunds settled. A later attempt is always newer; one transaction's statuses only go forward; each refund
 * moves it further. Form IPNs and REST answers compute it from the same facts, so they compare.
 */
export function toPaymentStateEvent(transactions: readonly LyraTransaction[], source: string): PaymentStateEvent | null {
  const debits = transactions.filter((t) => t.operationType === 'DEBIT').sort((a, b) => a.createdAt - b.createdAt);
  if (!debits.length) return null;
  const holding = debits.filter((t) => {
    const s = lyraStatus(t.status)?.status;
    return s === PaymentStatus.AUTHORIZED || s === PaymentStatus.CAPTURED;
  });
  const debit = (holding.length ? holding : debits)[(holding.length ? holding : debits).length - 1];
  const meaning = lyraStatus(debit.status)!; // checked when the transaction was read
  const credits = transactions.filter((t) => t.operationType === 'CREDIT');
  const refunded = credits.filter((t) => REFUND_DONE.has(t.status));
  const refundedTotal = sum(refunded.map((t) => t.amount));

  let status = meaning.status;
  let detail = `Lyra order ${debit.orderId}: transaction ${debit.uuid} ${debit.status}`;
  // An authorisation that lapsed before it was validated: the money it held is released, as by a void.
  if (status === PaymentStatus.EXPIRED && debit.bankAuthorised) {
    status = PaymentStatus.CANCELLED;
    detail += ' (an authorisation that lapsed: released like a void)';
  }
  if (refundedTotal > 0 && status === PaymentStatus.CAPTURED) status = PaymentStatus.REFUNDED;
  const authorised = debit.bankAuthorised === false ? 0 : (debit.authorisedAmount ?? debit.amount);
  // A cancel or lapse of an authorisation still says what was authorised (the ledger records the void); one before
  // any authorisation (the shopper abandoned the page) authorised nothing.
  const holds = meaning.status === PaymentStatus.AUTHORIZED || meaning.status === PaymentStatus.CAPTURED || (status === PaymentStatus.CANCELLED && debit.bankAuthorised === true);
  const captured = meaning.status === PaymentStatus.CAPTURED ? debit.amount : 0;
  if (refunded.length) detail += `, ${refunded.length} refund(s) of ${refundedTotal}`;

  return {
    reference: debit.orderId,
    // Lyra's order id is ours: every transaction of the order (retries, refunds) shares it, unlike a transaction uuid.
    gatewayPaymentId: debit.orderId,
    status,
    sequence: debit.createdAt * SECOND_SPAN + meaning.rank * RANK_SPAN + Math.min(RANK_SPAN - 1, refunded.length),
    currency: debit.currency,
    amountAuthorized: holds ? authorised : 0,
    amountCaptured: captured,
    amountRefunded: refundedTotal,
    fee: 0,
    testMode: debit.testMode,
    detail: `${detail} (${source})`.slice(0, 300),
    anomaly: meaning.anomaly,
    operations: operationReports(debit, credits),
  };
}

/**
 * The ledger's view: the DEBIT's capture (pending once validated, succeeded once captured, failed when the capture
 * failed), its cancel, and each CREDIT as a refund. Ids are Lyra's transaction uuids, suffixed for the DEBIT's.
 */
function operationReports(debit: LyraTransaction, credits: readonly LyraTransaction[]): GatewayOperationReport[] {
  const reports: GatewayOperationReport[] = [];
  const say = (t: LyraTransaction) => `Lyra transaction ${t.uuid} ${t.operationType} ${t.status}`;
  const capture = ({ AUTHORISED: GatewayOperationOutcome.PENDING, SUSPENDED: GatewayOperationOutcome.PENDING, CAPTURED: GatewayOperationOutcome.SUCCEEDED, CAPTURE_FAILED: GatewayOperationOutcome.FAILED } as Record<string, GatewayOperationOutcome>)[debit.status];
  if (capture) reports.push({ gatewayOperationId: `${debit.uuid}:capture`, kind: OperationKind.CAPTURE, amount: debit.amount, outcome: capture, answer: say(debit) });
  if (debit.status === 'CANCELLED' && debit.bankAuthorised === true) {
    reports.push({ gatewayOperationId: `${debit.uuid}:cancel`, kind: OperationKind.CANCEL, amount: 0, outcome: GatewayOperationOutcome.SUCCEEDED, answer: say(debit) });
  }
  for (const t of credits) {
    const outcome = REFUND_DONE.has(t.status) ? GatewayOperationOutcome.SUCCEEDED : REFUND_FAILED.has(t.status) ? GatewayOperationOutcome.FAILED : GatewayOperationOutcome.PENDING;
    reports.push({ gatewayOperationId: t.uuid, kind: OperationKind.REFUND, amount: t.amount, outcome, answer: say(t) });
  }
  return reports;
}

function sum(amounts: number[]): number {
  const total = amounts.reduce((s, a) => s + a, 0);
  return Math.min(total, MAX_MONEY);
}
