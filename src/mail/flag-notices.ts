/**
 * What the shop is told about each flag: what happened and what to do. A `Record` over `OrderFlag`, so a flag
 * added without its notice does not compile. The shop's templates show these as `{{notice.title}}`,
 * `{{notice.happened}}` and `{{notice.todo}}`; a shop that wants its own wording for a flag branches on
 * `{{#if is.OUT_OF_STOCK}}` in its own template.
 */
import { OrderFlag } from '../modules/order/order.entity.js';

/** The words of one shop alert. */
export interface FlagNotice {
  /** A short name for the subject line. */
  readonly title: string;
  readonly happened: string;
  readonly todo: string;
}

export const FLAG_NOTICES: Readonly<Record<OrderFlag, FlagNotice>> = Object.freeze({
  [OrderFlag.AMOUNT_MISMATCH]: {
    title: 'payment amount or currency differs from the order',
    happened:
      "The payment gateway authorised an amount or a currency that differs from the order's total, so the payment was not accepted and the order was not made ready.",
    todo:
      "Compare the authorised amount with the order's total in the gateway's administration. Capture nothing: void the payment and ask the customer to pay again, or settle the difference with them before you ship.",
  },
  [OrderFlag.TEST_PAYMENT_REFUSED]: {
    title: 'paid with a test card',
    happened:
      'The order was paid with a test card while test payments are not allowed. The order stays approved, not ready: it is not exported and must not ship.',
    todo:
      "If it was your own test, cancel the order. Otherwise treat it as possible fraud: do not ship, and void the payment in the gateway's administration. Allow test cards only on payment methods used for testing (the method's testCardsAllowed).",
  },
  [OrderFlag.LATE_AUTHORIZATION_TO_VOID]: {
    title: 'payment authorised after the order was cancelled',
    happened:
      'The gateway authorised the payment after the order had been cancelled, and its cart had changed or been checked out again, so the order could not be revived. The authorisation is being voided at the gateway automatically.',
    todo:
      "Check in the gateway's administration that the authorisation was voided. If the customer asks, tell them this payment will not be charged; their current order, if any, is paid separately.",
  },
  [OrderFlag.PAYMENT_VOIDED]: {
    title: 'payment voided',
    happened: 'The payment of this ready order was voided (cancelled) at the gateway: no money will be captured for it.',
    todo: 'Do not ship the order unpaid. Ask the customer for a new payment, or cancel the order.',
  },
  [OrderFlag.PAYMENT_REFUNDED]: {
    title: 'payment refunded in full',
    happened: 'The payment for this order was refunded in full at the gateway: the shop holds no money for it.',
    todo:
      'Do not ship the order; if it has shipped, arrange for the goods to come back. If the refund was a mistake, ask the customer to pay again.',
  },
  [OrderFlag.COUPON_ALREADY_USED]: {
    title: 'single-use coupon already used',
    happened:
      'A single-use coupon of this order had already been redeemed by another order when this order was paid. It was redeemed on both; this order carries the line "Invalid coupon. Code already used in different order." and keeps its discount.',
    todo: 'Decide whether to honour the discount. If not, contact the customer before you ship.',
  },
  [OrderFlag.OUT_OF_STOCK]: {
    title: 'out of stock',
    happened: "Taking this order's goods took a product's stock below zero: the goods may not be in the warehouse.",
    todo: 'Check the stock of the products on the order. Restock, or tell the customer about the delay, or cancel and refund.',
  },
  [OrderFlag.GIFT_CARD_SHORT]: {
    title: 'gift card held less than the order used',
    happened:
      'A gift card applied to this order was unlocked by hand and spent elsewhere before this order was paid: the order took only what was left, so it is paid less than its total.',
    todo: 'Collect the difference from the customer, or accept the loss, before you ship.',
  },
  [OrderFlag.PAYMENT_EXPIRED]: {
    title: 'no payment came: the order was cancelled',
    happened:
      "The gateway never confirmed a payment for this order: its callback did not come, and the gateway, asked again and again until RECONCILER_GIVE_UP_AFTER, still had no authorisation. The payment expired and the order was cancelled (its cart reopened, its gift cards released).",
    todo:
      "Nothing to ship. If the customer says they paid, look the payment up in the gateway's administration; an authorisation that arrives after all is still recorded, and either revives the order or is voided.",
  },
  [OrderFlag.VOID_FAILED]: {
    title: 'an authorisation could not be voided',
    happened:
      "Money was authorised for this order after it was cancelled, and the service tried to void that authorisation at the gateway; the gateway refused every attempt. The money is still held on the customer's card.",
    todo:
      "Cancel the payment by hand in the gateway's administration (or capture it, if you ship after all). The failed void is in the back office (outboxMessages with status FAILED): retry it there once the gateway accepts it.",
  },
  [OrderFlag.NOTIFICATION_NOT_APPLIED]: {
    title: "a gateway notification could not be applied",
    happened:
      "A verified notification from the payment gateway about this order's payment could not be applied. It is kept in the inbox as FAILED, with the reason.",
    todo:
      "Look at the message in the back office (inboxMessages with status FAILED) and at the payment in the gateway's administration, and settle the order by hand.",
  },
  [OrderFlag.GATEWAY_ANOMALY]: {
    title: 'the gateway reports a problem with the payment',
    happened:
      "The payment gateway reported something about this order's payment that needs a person: its capture failed, or the acquirer suspended it (Lyra's CAPTURE_FAILED or SUSPENDED). The money was authorised but may not be collected.",
    todo:
      "Look at the payment in the gateway's administration (the order's status history names what the gateway said); capture it again there, or contact the customer, before you ship.",
  },
});
