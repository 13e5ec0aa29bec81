/**
 * Order lifecycle.
 *
 * PENDING_PAYMENT: placed ("approved" in seed 003) with a payment under way. Nothing owed to the world happens yet.
 * READY: a verified authorisation of the right amount and currency arrived. Stock, coupons, gift cards, the
 *   confirmation e-mail and export happen now, once (outbox).
 * CANCELLED: the shopper cancelled, or the payment failed; the order's own cart is reopened.
 *
 * CANCELLED -> READY is the one way back: a late verified authorisation revives the order while its cart is
 * untouched and was not checked out again (invariant 5). Otherwise the authorisation is voided.
 */
import { StateMachine } from '../state-machine/state-machine.js';

export enum OrderStatus {
  PENDING_PAYMENT = 'PENDING_PAYMENT',
  READY = 'READY',
  CANCELLED = 'CANCELLED',
}

export interface OrderGuardContext {
  /** The payment is authorised (or further) by verified truth. */
  paymentAuthorized: boolean;
  /** Authorised amount and currency equal the order's total and currency. */
  amountMatches: boolean;
  /** A test payment while test payments are not allowed. */
  testPaymentRefused: boolean;
  /** The cart still holds exactly what this order was placed from, and no later order was placed from it. */
  cartUntouched: boolean;
  /**
   * The shop decided, from the back office with a reason (seed 003): it accepts an authorised payment as it is
   * (READY despite a mismatch, a test card, or a cart that moved on after the order was cancelled), or cancels an
   * order whose payment it will have voided.
   */
  shopDecides?: boolean;
}

export const orderMachine = new StateMachine<OrderStatus, OrderGuardContext>(
  'Order',
  Object.values(OrderStatus),
  {
    [OrderStatus.PENDING_PAYMENT]: [OrderStatus.READY, OrderStatus.CANCELLED],
    [OrderStatus.READY]: [],
    [OrderStatus.CANCELLED]: [OrderStatus.READY],
  },
  {
    '*->READY': (c) =>
      !c.paymentAuthorized
        ? 'the payment is not authorised'
        : c.shopDecides
          ? undefined
          : !c.amountMatches
          ? 'the authorised amount or currency differs from the order'
          : c.testPaymentRefused
            ? 'test payments are not allowed'
            : undefined,
    'CANCELLED->READY': (c) => (c.shopDecides || c.cartUntouched ? undefined : 'the cart was edited or checked out again'),
    'PENDING_PAYMENT->CANCELLED': (c) =>
      c.paymentAuthorized && !c.shopDecides ? 'the payment is already authorised; a paid order is not cancelled by a redirect' : undefined,
  },
);
