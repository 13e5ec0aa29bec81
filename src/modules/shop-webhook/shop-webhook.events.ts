/**
 * What the shop's systems are told, built from the order as it stands when the webhook is delivered. Lines, custom
 * fields, totals and dates never change once an order is ready; the payment's fields may have moved on (a capture,
 * the gateway's fee), and `status` says where it stands. Never in a body: gift card or coupon codes (a gift card's
 * code spends it), the order's access token, card data (the service never holds any) or keys.
 */
import { createHash } from 'node:crypto';
import { OrderLineKind, type Order, type OrderFlag } from '../order/order.entity.js';
import type { OutboxMessage } from '../outbox/outbox-message.entity.js';
import type { Payment } from '../payment/payment.entity.js';
import { ShopWebhookType, type ShopWebhookMessage } from './shop-webhook.sender.js';

/** An order line as the shop receives it; amounts in minor units of the order's currency. */
export interface WebhookOrderLine {
  /** PRODUCT, or NOTE (seed 003's "Invalid coupon. Code already used in different order." line). */
  kind: OrderLineKind;
  sku: string;
  name: string;
  unitPrice: number;
  quantity: number;
  lineTotal: number;
}

/** The `data` of an `order.ready` event: seed 003's export of a ready order. */
export interface OrderReadyData {
  orderId: string;
  /** The order's number: the reference the gateway shows (QuickPay's `order_id`). */
  orderNumber: string;
  /** Seed 003's `date`: when the order was placed (approved). */
  placedAt: string;
  /** Seed 003's `dateReady`: when its payment was authorised; exports select orders by this date. */
  readyAt: string;
  /** ISO 4217 alpha-3; every amount is in its minor units. */
  currency: string;
  lines: WebhookOrderLine[];
  customFields: Record<string, string>;
  totals: { subtotal: number; discount: number; giftCards: number; total: number };
  payment: WebhookPayment;
  /** Flags the order carries now (each also arrives as its own `order.flagged` event). */
  flags: OrderFlag[];
}

/** The payment of an order, as the gateway last told us (seed 003: "in order export the fee is in the payment segment"). */
export interface WebhookPayment {
  gateway: string;
  /** The gateway's own id of the payment. */
  gatewayPaymentId: string | null;
  status: string;
  /** Authorised at the gateway. */
  amount: number;
  captured: number;
  refunded: number;
  /** The gateway's fee (QuickPay autofee). */
  fee: number;
  currency: string;
  /** Paid with a test card (seed 003: only accepted while test payments are allowed). */
  testCard: boolean;
}

/** The `data` of an `order.flagged` event. */
export interface OrderFlaggedData {
  orderId: string;
  orderNumber: string;
  /** The flag this event is about. */
  flag: OrderFlag;
  /** Every flag the order carries now. */
  flags: OrderFlag[];
  orderStatus: string;
  paymentStatus: string;
}

/**
 * The `webhook-id` of a row's event: derived from the row's dedup key (unique, and naming the order's random id), so
 * every attempt, a redelivery after a crash and a retry by the back office all carry the same id, and no two events
 * of any two orders share one.
 */
export function webhookId(row: Pick<OutboxMessage, 'dedupKey'>): string {
  return `msg_${createHash('sha256').update(row.dedupKey).digest('base64url').slice(0, 32)}`;
}

/** The `order.ready` message of an EXPORT_ORDER row. */
export function orderReadyMessage(row: OutboxMessage, order: Order, payment: Payment): ShopWebhookMessage {
  const readyAt = order.readyAt ?? row.createdAt;
  const data: OrderReadyData = {
    orderId: order.id,
    orderNumber: payment.reference,
    placedAt: order.placedAt.toISOString(),
    readyAt: readyAt.toISOString(),
    currency: order.currency,
    lines: order.lines.map((l) => ({ kind: l.kind ?? OrderLineKind.PRODUCT, sku: l.sku, name: l.name, unitPrice: l.unitPrice, quantity: l.quantity, lineTotal: l.lineTotal })),
    customFields: { ...order.customFields },
    totals: { subtotal: order.subtotal, discount: order.discountTotal, giftCards: order.giftCardTotal, total: order.total },
    payment: {
      gateway: payment.gateway,
      gatewayPaymentId: payment.gatewayPaymentId ?? null,
      status: payment.status,
      amount: payment.amountAuthorized,
      captured: payment.amountCaptured,
      refunded: payment.amountRefunded,
      fee: payment.fee,
      currency: payment.gatewayCurrency ?? payment.currency,
      testCard: payment.testMode,
    },
    flags: [...order.flags],
  };
  return { id: webhookId(row), type: ShopWebhookType.ORDER_READY, occurredAt: readyAt, data };
}

/** The `order.flagged` message of a SHOP_WEBHOOK row (written with the flag, in the same transaction). */
export function orderFlaggedMessage(row: OutboxMessage, order: Order, payment: Payment): ShopWebhookMessage {
  const data: OrderFlaggedData = {
    orderId: order.id,
    orderNumber: payment.reference,
    flag: row.payload.flag as OrderFlag,
    flags: [...order.flags],
    orderStatus: order.status,
    paymentStatus: payment.status,
  };
  return { id: webhookId(row), type: ShopWebhookType.ORDER_FLAGGED, occurredAt: row.createdAt, data };
}
