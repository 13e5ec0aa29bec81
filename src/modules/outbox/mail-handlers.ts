/**
 * The outbox's e-mail: SEND_CONFIRMATION_EMAIL (to the customer, once the order is ready) and NOTIFY_SHOP (to
 * SHOP_ADMIN_EMAIL). Both are effects outside the database, delivered at least once: sent, then the row marked
 * done with what the server answered. The order is read afresh at delivery, so the message shows it as it is
 * then (a coupon note or a flag added since the row was written is in it).
 */
import type { Orm } from '../../db/orm.js';
import type { Mailer } from '../../mail/mailer.js';
import { Order } from '../order/order.entity.js';
import { Payment } from '../payment/payment.entity.js';
import type { ExternalHandler } from './outbox-handler.js';
import { OutboxTopic, type OutboxMessage } from './outbox-message.entity.js';
import { readShopNotice } from './shop-notices.js';

async function target(orm: Orm, row: OutboxMessage): Promise<{ order: Order; payment: Payment }> {
  const orderId = row.orderId;
  if (!orderId) throw new Error(`outbox row ${row.id} (${row.topic}) names no order`);
  const em = orm.em.fork();
  return { order: await em.findOneOrFail(Order, { id: orderId }), payment: await em.findOneOrFail(Payment, { orderId }) };
}

/** The e-mail handlers; `timeoutMs` bounds one delivery (SMTP_TIMEOUT_MS), so the dispatcher can check its lease. */
export function mailHandlers(orm: Orm, mailer: Mailer, timeoutMs: number): Map<OutboxTopic, ExternalHandler> {
  const confirmation: ExternalHandler = {
    kind: 'external',
    timeoutMs,
    async deliver(row) {
      const { order, payment } = await target(orm, row);
      return (await mailer.sendOrderConfirmation(order, payment)).answer;
    },
  };
  const shopNotice: ExternalHandler = {
    kind: 'external',
    timeoutMs,
    async deliver(row) {
      const notice = readShopNotice(row.payload);
      const { order, payment } = await target(orm, row);
      const receipt = 'flag' in notice ? await mailer.sendFlagAlert(order, payment, notice.flag) : await mailer.sendPendingPaymentAlert(order, payment);
      return receipt.answer;
    },
  };
  return new Map([
    [OutboxTopic.SEND_CONFIRMATION_EMAIL, confirmation],
    [OutboxTopic.NOTIFY_SHOP, shopNotice],
  ]);
}
