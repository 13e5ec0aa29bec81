/**
 * Which handler delivers which side effect. Topics without a handler here are left pending (their workers are
 * not built yet) and never claimed.
 */
import type { AppConfig } from '../../config/config.js';
import type { Orm } from '../../db/orm.js';
import type { Mailer } from '../../mail/mailer.js';
import { takeStock, type StockLine } from '../catalogue/stock-ledger.js';
import type { AppliedGiftCard } from '../order/order.entity.js';
import { redeemCoupons, redeemGiftCards } from '../promotions/redemptions.js';
import { mailHandlers } from './mail-handlers.js';
import type { InDatabaseHandler, OutboxHandler } from './outbox-handler.js';
import { OutboxTopic } from './outbox-message.entity.js';

const inDatabase = (apply: InDatabaseHandler['apply']): InDatabaseHandler => ({ kind: 'database', apply });

/** What the handlers of effects outside the database need. */
export interface OutboxHandlerDeps {
  orm: Orm;
  mailer: Mailer;
  config: Pick<AppConfig, 'mail'>;
}

export function outboxHandlers(deps: OutboxHandlerDeps): Map<OutboxTopic, OutboxHandler> {
  return new Map<OutboxTopic, OutboxHandler>([
    [OutboxTopic.DECREMENT_STOCK, inDatabase((tx, target, row, cause) => takeStock(tx, target, row.payload.lines as StockLine[], cause))],
    [OutboxTopic.REDEEM_COUPONS, inDatabase((tx, target, row, cause) => redeemCoupons(tx, target, row.payload.codes as string[], cause))],
    [OutboxTopic.REDEEM_GIFT_CARDS, inDatabase((tx, target, row, cause) => redeemGiftCards(tx, target, row.payload.giftCards as AppliedGiftCard[], cause))],
    ...mailHandlers(deps.orm, deps.mailer, deps.config.mail.smtpTimeoutMs),
  ]);
}
