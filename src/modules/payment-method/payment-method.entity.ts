import { defineEntity, p } from '@mikro-orm/core';
import { DrawMethod, GatewayName } from '../../gateways/gateway.js';

/**
 * A way to pay the shop offers (seed 003): a payment system (the gateway) with the shop's terms for it. A payment
 * keeps the terms it was placed with (payments.payment_method_id and the copied terms), so changing a method later
 * never changes what an order placed before was promised, and its gateway cannot change once an order used it.
 */
export const PaymentMethodSchema = defineEntity({
  name: 'PaymentMethod',
  tableName: 'payment_methods',
  properties: {
    id: p.string().length(36).primary(),
    /** What the storefront checks out with, e.g. `card`. */
    code: p.string().length(40).unique(),
    name: p.string().length(100),
    gateway: p.enum(() => GatewayName),
    /** Seed 003: whether payments made with the gateway's test cards may make an order ready. */
    testCardsAllowed: p.boolean().default(false),
    drawMethod: p.enum(() => DrawMethod),
    /** Whether the gateway may add its fee to the amount (QuickPay autofee). */
    gatewayFeeAllowed: p.boolean().default(false),
    /** The card types or methods the payment window is locked to, in the gateway's notation (`visa,mobilepay`). */
    lockedTo: p.string().length(200).nullable(),
    /** Whether shoppers are offered it (`paymentMethods`); a hidden method still serves the orders placed with it. */
    visible: p.boolean().default(true),
    /** Where the storefront lists it: ascending, then by name. */
    position: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export class PaymentMethod extends PaymentMethodSchema.class {}
PaymentMethodSchema.setClass(PaymentMethod);
