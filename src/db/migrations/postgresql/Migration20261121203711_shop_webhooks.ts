import { Migration } from '@mikro-orm/migrations';

export class Migration20261121203711_shop_webhooks extends Migration {

  override name = 'Migration20261121203711_shop_webhooks';

  override up(): void | Promise<void> {
    this.addSql(`alter table "outbox_messages" drop constraint "outbox_messages_topic_check";`);
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_topic_check" check ("topic" in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP', 'PENDING_PAYMENT_ALERT', 'SHOP_WEBHOOK'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "outbox_messages" drop constraint "outbox_messages_topic_check";`);
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_topic_check" check ("topic" in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP', 'PENDING_PAYMENT_ALERT'));`);
  }

}
