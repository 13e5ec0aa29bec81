import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { OperationKind } from '../../gateways/gateway.js';

/** Where an operation stands in our ledger. */
export enum OperationStatus {
  /** Asked of the gateway; its outcome is not known yet (in flight, or the answer was lost). */
  REQUESTED = 'REQUESTED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/** Who asked for an operation. */
export enum OperationRequester {
  /** The shop, through the back-office API. */
  BACK_OFFICE = 'BACK_OFFICE',
  /** The service itself: the void of an authorisation no order can use (invariant 5). */
  WORKER = 'WORKER',
  /** Nobody here: it was done at the gateway (its own back office) and we learnt of it from the gateway. */
  GATEWAY = 'GATEWAY',
}

/**
 * The ledger of payment operations (seed 003's capture, refund, cancel and recurring): one row per operation, ours
 * or the gateway's. A payment's captured and refunded amounts are the sums of its SUCCEEDED rows. A row we asked
 * for is matched to the gateway's own operation (its id, once known), so the gateway's callback for it is the same
 * row, never a second one.
 */
export const PaymentOperationSchema = defineEntity({
  name: 'PaymentOperation',
  tableName: 'payment_operations',
  uniques: [
    { properties: ['paymentId', 'idempotencyKey'] },
    { properties: ['paymentId', 'gatewayOperationId'] },
  ],
  properties: {
    id: p.string().length(36).primary(),
    paymentId: p.string().length(36).index(),
    orderId: p.string().length(36),
    kind: p.enum(() => OperationKind),
    /** Minor units; 0 for a cancel. */
    amount: p.bigint('number'),
    status: p.enum(() => OperationStatus),
    /** The requester's key: a repeat with it is the same operation. Null for operations done at the gateway. */
    idempotencyKey: p.string().length(100).nullable(),
    requestedBy: p.enum(() => OperationRequester),
    /** Why the shop asked (the back office's reason), when it gave one. */
    reason: p.string().length(500).nullable(),
    /** The gateway's id for the operation, once the gateway has reported it. */
    gatewayOperationId: p.string().length(64).nullable(),
    /** What the gateway answered (its code and message), or why the outcome is unknown. */
    answer: p.string().length(500).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** When it became SUCCEEDED or FAILED. */
    settledAt: p.datetime().nullable(),
  },
});
export class PaymentOperation extends PaymentOperationSchema.class {}
PaymentOperationSchema.setClass(PaymentOperation);

/** What a new row says; the rest (its ids, no gateway operation or answer yet unless given) is filled in. */
export interface NewOperation {
  kind: OperationKind;
  amount: number;
  status: OperationStatus;
  requestedBy: OperationRequester;
  idempotencyKey?: string | null;
  reason?: string | null;
  gatewayOperationId?: string | null;
  answer?: string | null;
}

/** Every column of a new ledger row of `payment`, written at `now` (settled at once unless REQUESTED). */
export function newOperationRow(payment: { id: string; orderId: string }, op: NewOperation, now: Date) {
  return {
    id: randomUUID(),
    paymentId: payment.id,
    orderId: payment.orderId,
    kind: op.kind,
    amount: op.amount,
    status: op.status,
    idempotencyKey: op.idempotencyKey ?? null,
    requestedBy: op.requestedBy,
    reason: op.reason ?? null,
    gatewayOperationId: op.gatewayOperationId ?? null,
    answer: op.answer ?? null,
    createdAt: now,
    settledAt: op.status === OperationStatus.REQUESTED ? null : now,
  };
}
