/**
 * The outbox handlers of the shop's webhooks: EXPORT_ORDER rows become `order.ready`, SHOP_WEBHOOK rows (one per
 * flag) `order.flagged`. Delivered at least once: a crash between the receiver's answer and the row being marked
 * done sends the event again, with the same `webhook-id`, which is how the receiver recognises it.
 */
import type { Orm } from '../../db/orm.js';
import { Order } from '../order/order.entity.js';
import type { ExternalHandler } from '../outbox/outbox-handler.js';
import { OutboxTopic, type OutboxMessage } from '../outbox/outbox-message.entity.js';
import { Payment } from '../payment/payment.entity.js';
import { orderFlaggedMessage, orderReadyMessage } from './shop-webhook.events.js';
import type { ShopWebhookMessage, ShopWebhookSender } from './shop-webhook.sender.js';

/**
 * What a row records when no webhook is configured. Rows are still written (a transition does not read the
 * configuration) and marked done with this, so none waits for ever, and configuring a URL later does not send the
 * shop every order it was never told about.
 */
export const WEBHOOK_NOT_CONFIGURED = 'not sent: SHOP_WEBHOOK_URL is not configured';

type Build = (row: OutboxMessage, order: Order, payment: Payment) => ShopWebhookMessage;

/** The webhook handlers by topic; `sender` is null when SHOP_WEBHOOK_URL is not set. */
export function shopWebhookHandlers(orm: Orm, sender: ShopWebhookSender | null): [OutboxTopic, ExternalHandler][] {
  const handler = (build: Build): ExternalHandler => ({
    kind: 'external',
    async deliver(row) {
      if (!sender) return WEBHOOK_NOT_CONFIGURED;
      if (!row.orderId) throw new Error(`outbox row ${row.id} (${row.topic}) names no order`);
      const em = orm.em.fork();
      const order = await em.findOneOrFail(Order, { id: row.orderId });
      const payment = await em.findOneOrFail(Payment, { orderId: row.orderId });
      return sender.send(build(row, order, payment));
    },
  });
  return [
    [OutboxTopic.EXPORT_ORDER, handler(orderReadyMessage)],
    [OutboxTopic.SHOP_WEBHOOK, handler(orderFlaggedMessage)],
  ];
}
