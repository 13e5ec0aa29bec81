/**
 * The operations ledger's bookkeeping for one verified gateway message: which of the payment's operations it reports
 * are ours (matched by the gateway's operation id, or, for one we asked for whose answer we never got, by kind and
 * amount), which were done at the gateway outside the service (new rows, requested by GATEWAY), and what the
 * payment's captured and refunded amounts are once they are in: the sums of the SUCCEEDED rows, so a message never
 * overwrites them, and an operation reported again (its callback after its answer, a resend) is counted once.
 *
 * Planned first, written only when the message is applied: a message that is not applied writes nothing (invariant 8).
 */
import { GatewayOperationOutcome, OperationKind, type GatewayOperationReport, type PaymentStateEvent } from '../../gateways/gateway.js';
import type { Payment } from '../payment/payment.entity.js';
import { PaymentStatus } from '../payment/payment.machine.js';
import { storableText } from '../shared/storable-text.js';
import type { LineageTransaction } from '../transition/lineage-transaction.js';
import { newOperationRow, OperationRequester, OperationStatus, PaymentOperation } from './payment-operation.entity.js';

/** The ledger after a message: the payment's amounts, and the writes that get it there. */
export interface LedgerPlan {
  captured: number;
  refunded: number;
  /** Whether writing it changes the ledger. */
  changed: boolean;
  /** Operations still REQUESTED once it is written. */
  open: number;
  /** What it changes, for the message's record. */
  notes: string[];
  /** Writes the changes (in the transaction applying the message). */
  write(): void;
}

/** How the reconciler's full answer ends operations the gateway never heard of. */
export interface UnreportedPolicy {
  /** A REQUESTED row older than this, missing from a complete list of the gateway's operations, failed. */
  requestedBefore: Date;
}

/** Money a SUCCEEDED row moves: captured by captures and recurring charges, refunded by refunds. */
export function ledgerTotals(rows: readonly { kind: OperationKind; status: OperationStatus; amount: number }[]): { captured: number; refunded: number } {
  const sum = (kinds: OperationKind[]) => rows.filter((r) => r.status === OperationStatus.SUCCEEDED && kinds.includes(r.kind)).reduce((s, r) => s + r.amount, 0);
  return { captured: sum([OperationKind.CAPTURE, OperationKind.RECURRING]), refunded: sum([OperationKind.REFUND]) };
}

/**
 * Whether a message about `payment` needs the ledger at all: it reports an operation, or moves money the ledger
 * holds. An authorisation's callback, the hot path, does not read it.
 */
export function needsLedger(payment: Payment, event: PaymentStateEvent): boolean {
  if (event.operations) return event.operations.length > 0;
  return event.amountCaptured > 0 || event.amountRefunded > 0 || payment.amountCaptured > 0 || isVoid(event);
}

/** A cancel of money that was authorised (not a shopper's cancel before any authorisation). */
const isVoid = (event: PaymentStateEvent) => event.status === PaymentStatus.CANCELLED && event.amountAuthorized > 0;

/** Plans what `event` (verified, about `payment`) adds to the payment's ledger. */
export async function planLedger(tx: LineageTransaction, payment: Payment, event: PaymentStateEvent, unreported?: UnreportedPolicy): Promise<LedgerPlan> {
  const now = tx.now;
  const rows = await tx.em.find(PaymentOperation, { paymentId: payment.id }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  // Work on copies: the rows are only changed by write(). `row` is absent for a row this plan adds.
  type Entry = { row?: PaymentOperation; kind: OperationKind; amount: number; status: OperationStatus; gatewayOperationId: string | null; answer: string | null };
  const view: Entry[] = rows.map((row) => ({ row, kind: row.kind, amount: row.amount, status: row.status, gatewayOperationId: row.gatewayOperationId ?? null, answer: row.answer ?? null }));
  const writes: (() => void)[] = [];
  const notes: string[] = [];

  const settle = (v: Entry, status: OperationStatus, gatewayOperationId: string | null, answer: string) => {
    v.status = status;
    v.gatewayOperationId = gatewayOperationId;
    v.answer = answer;
    const row = v.row;
    if (!row) return; // added by this plan, already as it should be
    writes.push(() => {
      row.status = status;
      row.gatewayOperationId = gatewayOperationId;
      row.answer = storableText(answer, 500);
      if (status !== OperationStatus.REQUESTED) row.settledAt = now;
    });
  };
  const addOutside = (kind: OperationKind, amount: number, status: OperationStatus, gatewayOperationId: string | null, answer: string) => {
    const fields = newOperationRow(payment, { kind, amount, status, requestedBy: OperationRequester.GATEWAY, gatewayOperationId, answer: storableText(answer, 500) }, now);
    view.push({ kind, amount, status, gatewayOperationId, answer });
    writes.push(() => tx.insertWithRecords(PaymentOperation, fields));
    notes.push(`${kind.toLowerCase()} ${amount} done at the gateway (${status.toLowerCase()})`);
  };

  if (event.operations) {
    for (const report of event.operations) matchReport(report);
    if (unreported) {
      const reported = new Set(event.operations.map((r) => r.gatewayOperationId));
      for (const v of view) {
        if (v.status !== OperationStatus.REQUESTED || v.row === undefined || v.row.createdAt > unreported.requestedBefore) continue;
        if (v.gatewayOperationId !== null && reported.has(v.gatewayOperationId)) continue;
        settle(v, OperationStatus.FAILED, v.gatewayOperationId, `the gateway has no record of it (${event.detail})`);
        notes.push(`${v.kind.toLowerCase()} ${v.amount} failed: the gateway never did it`);
      }
    }
  } else {
    matchTotals();
  }
  const totals = ledgerTotals(view);
  const open = view.filter((v) => v.status === OperationStatus.REQUESTED).length;
  return { ...totals, changed: writes.length > 0, open, notes, write: () => writes.splice(0).forEach((w) => w()) };

  /** One operation the gateway lists: ours (by its id, or an open request of the same kind and amount), or new. */
  function matchReport(report: GatewayOperationReport): void {
    const status = { [GatewayOperationOutcome.PENDING]: OperationStatus.REQUESTED, [GatewayOperationOutcome.SUCCEEDED]: OperationStatus.SUCCEEDED, [GatewayOperationOutcome.FAILED]: OperationStatus.FAILED }[report.outcome];
    const sameAmount = (v: Entry) => report.kind === OperationKind.CANCEL || v.amount === report.amount;
    const known =
      view.find((v) => v.gatewayOperationId === report.gatewayOperationId) ??
      // Ours, asked for but not matched yet: an open request, or one the gateway refused before it told us its id.
      view.find((v) => v.gatewayOperationId === null && v.kind === report.kind && sameAmount(v) && (v.status === OperationStatus.REQUESTED || (v.status === OperationStatus.FAILED && status === OperationStatus.FAILED)));
    if (!known) {
      // A pending operation nobody here asked for enters the ledger once it is settled.
      if (status !== OperationStatus.REQUESTED) addOutside(report.kind, report.amount, status, report.gatewayOperationId, report.answer);
      return;
    }
    if (known.status === OperationStatus.REQUESTED && (status !== OperationStatus.REQUESTED || known.gatewayOperationId === null)) {
      settle(known, status, report.gatewayOperationId, report.answer);
      if (status !== OperationStatus.REQUESTED) notes.push(`${known.kind.toLowerCase()} ${known.amount} ${status.toLowerCase()}`);
    } else if (known.gatewayOperationId === null) {
      settle(known, known.status, report.gatewayOperationId, known.answer ?? report.answer);
    }
  }

  /** A gateway that reports only totals: what they add settles our open requests first, the rest was done there. */
  function matchTotals(): void {
    const now = ledgerTotals(view);
    const apply = (kind: OperationKind, missing: number) => {
      for (const v of view) {
        if (missing <= 0) break;
        if (v.status === OperationStatus.REQUESTED && v.kind === kind && v.amount <= missing) {
          settle(v, OperationStatus.SUCCEEDED, v.gatewayOperationId, event.detail);
          notes.push(`${kind.toLowerCase()} ${v.amount} succeeded`);
          missing -= v.amount;
        }
      }
      if (missing > 0) addOutside(kind, missing, OperationStatus.SUCCEEDED, null, `reported by the gateway's totals: ${event.detail}`);
    };
    apply(OperationKind.CAPTURE, event.amountCaptured - now.captured);
    apply(OperationKind.REFUND, event.amountRefunded - now.refunded);
    if (isVoid(event)) {
      const open = view.find((v) => v.status === OperationStatus.REQUESTED && v.kind === OperationKind.CANCEL);
      if (open) settle(open, OperationStatus.SUCCEEDED, open.gatewayOperationId, event.detail);
      else if (!view.some((v) => v.kind === OperationKind.CANCEL && v.status === OperationStatus.SUCCEEDED)) addOutside(OperationKind.CANCEL, 0, OperationStatus.SUCCEEDED, null, event.detail);
    }
  }
}
