/**
 * The outbox's e-mail: SEND_CONFIRMATION_EMAIL (to the customer, once the order is ready), NOTIFY_SHOP (a flag,
 * to SHOP_ADMIN_EMAIL) and PENDING_PAYMENT_ALERT (seed 003's "pending payment" notice to SHOP_ADMIN_EMAIL, due
 * PENDING_PAYMENT_ALERT_AFTER after checkout). All are effects outside the database, delivered at least once:
 * sent, then the row marked done with what the server answered. The order is read afresh at delivery, so the
 * message shows it as it is then (a coupon note or a flag added since the row was written is in it).
 */
import type { Orm } from '../../db/orm.js';
import type { Mailer } from '../../mail/mailer.js';
import { Order } from '../order/order.entity.js';
import { OrderStatus } from '../order/order.machine.js';
import { Payment } from '../payment/payment.entity.js';
import { PaymentStatus } from '../payment/payment.machine.js';
import type { ExternalHandler } from './outbox-handler.js';
import { OutboxTopic, type OutboxMessage } from './outbox-message.entity.js';
import { readShopNotice } from './shop-notices.js';

/** A payment the gateway has said nothing final about yet. */
const AWAITING_THE_GATEWAY: ReadonlySet<PaymentStatus> = new Set([PaymentStatus.INITIATED, PaymentStatus.PENDING]);

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
      const { flag } = readShopNotice(row.payload);
      const { order, payment } = await target(orm, row);
      return (await mailer.sendFlagAlert(order, payment, flag)).answer;
    },
  };
  const pendingPayment: ExternalHandler = {
    kind: 'external',
    timeoutMs,
    async deliver(row) {
      const { order, payment } = await target(orm, row);
      // Owed only while the order still waits for the gateway's word (seed 003: "missing the callback"). Once it
      // is ready or cancelled, or the gateway has spoken (an authorisation of the wrong amount leaves the order
      // pending, and flagged: the shop hears of that flag instead), there is nothing to tell.
      if (order.status !== OrderStatus.PENDING_PAYMENT || !AWAITING_THE_GATEWAY.has(payment.status)) {
        return `not sent: the order no longer waits for its payment (order ${order.status}, payment ${payment.status})`;
      }
      return (await mailer.sendPendingPaymentAlert(order, payment)).answer;
    },
  };
  return new Map([
    [OutboxTopic.SEND_CONFIRMATION_EMAIL, confirmation],
    [OutboxTopic.NOTIFY_SHOP, shopNotice],
    [OutboxTopic.PENDING_PAYMENT_ALERT, pendingPayment],
  ]);
}
