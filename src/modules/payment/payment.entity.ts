import { defineEntity, p } from '@mikro-orm/core';
import { PaymentStatus } from './payment.machine.js';
import { GatewayName } from '../../gateways/gateway.js';

/** One attempt to pay an order at one gateway. */
export const PaymentSchema = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  uniques: [{ properties: ['gateway', 'reference'] }],
  properties: {
    id: p.string().length(36).primary(),
    orderId: p.string().length(36).index(),
    gateway: p.enum(() => GatewayName),
    /** Our reference for the payment at the gateway (QuickPay's `order_id`). */
    reference: p.string().length(32),
    /** The gateway's own id for the payment, once known. */
    gatewayPaymentId: p.string().length(64).nullable(),
    status: p.enum(() => PaymentStatus),
    amount: p.bigint('number'),
    currency: p.string().length(3),
    /** The currency the gateway reports the payment in; an authorisation only counts when it equals the order's. */
    gatewayCurrency: p.string().length(3).nullable(),
    amountAuthorized: p.bigint('number').default(0),
    amountCaptured: p.bigint('number').default(0),
    amountRefunded: p.bigint('number').default(0),
    /** Fee the gateway added (QuickPay autofee), minor units. */
    fee: p.bigint('number').default(0),
    testMode: p.boolean().default(false),
    /** Gateway-side ordering of what we have applied; older messages are stale (invariant 4). */
    gatewaySequence: p.bigint('number').default(0),
    /**
     * When the reconciler asks the gateway about this payment next (seed 003's missing callback); null when it is not
     * chased (its order is no longer waiting, or the back office resolved it by hand). The sweep reads only due
     * payments through this index.
     */
    reconcileAt: p.datetime().nullable().index(),
    /** How many times the reconciler has asked. */
    reconcileAttempts: p.integer().default(0),
    /** When, and what the gateway answered the last time it was asked. */
    lastReconciledAt: p.datetime().nullable(),
    lastReconcileAnswer: p.string().length(300).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export class Payment extends PaymentSchema.class {}
PaymentSchema.setClass(Payment);
