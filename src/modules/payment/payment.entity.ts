import { defineEntity, p } from '@mikro-orm/core';
import { PaymentStatus } from './payment.machine.js';
import { DrawMethod, GatewayName, type GatewayPayment, type PaymentTerms } from '../../gateways/gateway.js';

/** One attempt to pay an order at one gateway. */
export const PaymentSchema = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  uniques: [{ properties: ['gateway', 'reference'] }],
  properties: {
    id: p.string().length(36).primary(),
    orderId: p.string().length(36).index(),
    gateway: p.enum(() => GatewayName),
    /** The payment method it was placed with (null for payments placed before methods existed). */
    paymentMethodId: p.string().length(36).nullable().index(),
    /** Our reference for the payment at the gateway (QuickPay's `order_id`), made by the gateway's adapter. */
    reference: p.string().length(32),
    /** The gateway's own id for the payment, once known. */
    gatewayPaymentId: p.string().length(64).nullable(),
    /**
     * What the gateway's adapter asked us to keep when it created the payment (PayXpert's merchant token, say):
     * a few short strings, secret, never shown. Null until the payment is created at a gateway that wants that.
     */
    gatewayData: p.json<Record<string, string>>().nullable(),
    // The method's terms as they were at checkout: what this payment was offered on, whatever the method says later.
    /** Whether a test-card payment may make the order ready (seed 003). */
    testCardsAllowed: p.boolean().default(false),
    /** Whether the gateway may add its fee: the authorised amount is then the total plus the fee it reports. */
    gatewayFeeAllowed: p.boolean().default(false),
    drawMethod: p.enum(() => DrawMethod).default(DrawMethod.AUTHORIZE),
    /** The card types or methods the window is locked to. */
    lockedTo: p.string().length(200).nullable(),
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

/** The payment as its gateway's adapter knows it. */
export function gatewayPaymentOf(payment: Payment): GatewayPayment {
  return { reference: payment.reference, gatewayPaymentId: payment.gatewayPaymentId ?? null, gatewayData: payment.gatewayData ?? {}, drawMethod: payment.drawMethod };
}

/** The payment method's terms the payment was placed with. */
export function paymentTermsOf(payment: Payment): PaymentTerms {
  return { drawMethod: payment.drawMethod, gatewayFeeAllowed: payment.gatewayFeeAllowed, lockedTo: payment.lockedTo ?? null };
}
