/**
 * Which handler delivers which side effect. A topic without a handler here would be left pending and never
 * claimed; today every topic has one.
 */
import type { Services } from '../../app/services.js';
import { takeStock, type StockLine } from '../catalogue/stock-ledger.js';
import type { AppliedGiftCard } from '../order/order.entity.js';
import { voidPaymentHandler } from '../payment/void-payment.handler.js';
import { redeemCoupons, redeemGiftCards } from '../promotions/redemptions.js';
import { shopWebhookHandlers } from '../shop-webhook/shop-webhook.handlers.js';
import { mailHandlers } from './mail-handlers.js';
import type { InDatabaseHandler, OutboxHandler } from './outbox-handler.js';
import { OutboxTopic } from './outbox-message.entity.js';

const inDatabase = (apply: InDatabaseHandler['apply']): InDatabaseHandler => ({ kind: 'database', apply });

/** What the handlers use of the service objects. */
export type OutboxHandlerDeps = Pick<Services, 'orm' | 'gateways' | 'transitions' | 'payments' | 'paymentOperations' | 'shopWebhook' | 'mailer' | 'config'>;

/** The effects inside our own database (exactly once, in the order's lineage transaction). */
export function inDatabaseHandlers(): Map<OutboxTopic, OutboxHandler> {
  return new Map<OutboxTopic, OutboxHandler>([
    [OutboxTopic.DECREMENT_STOCK, inDatabase((tx, target, row, cause) => takeStock(tx, target, row.payload.lines as StockLine[], cause))],
    [OutboxTopic.REDEEM_COUPONS, inDatabase((tx, target, row, cause) => redeemCoupons(tx, target, row.payload.codes as string[], cause))],
    [OutboxTopic.REDEEM_GIFT_CARDS, inDatabase((tx, target, row, cause) => redeemGiftCards(tx, target, row.payload.giftCards as AppliedGiftCard[], cause))],
  ]);
}

/** Every handler: the in-database ones, and (at least once) the e-mails, the shop's webhooks and the voids. */
export function outboxHandlers(deps: OutboxHandlerDeps): Map<OutboxTopic, OutboxHandler> {
  return new Map<OutboxTopic, OutboxHandler>([
    ...inDatabaseHandlers(),
    ...mailHandlers(deps.orm, deps.mailer, deps.config.mail.smtpTimeoutMs),
    ...shopWebhookHandlers(deps.orm, deps.shopWebhook),
    [OutboxTopic.VOID_PAYMENT, voidPaymentHandler(deps)],
  ]);
}
