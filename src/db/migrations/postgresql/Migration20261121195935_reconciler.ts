import { Migration } from '@mikro-orm/migrations';

export class Migration20261121195935_reconciler extends Migration {

  override name = 'Migration20261121195935_reconciler';

  override up(): void | Promise<void> {
    this.addSql(`alter table "outbox_messages" drop constraint "outbox_messages_topic_check";`);
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_topic_check" check ("topic" in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP', 'PENDING_PAYMENT_ALERT'));`);

    this.addSql(`alter table "payments" add "reconcile_at" timestamptz null, add "reconcile_attempts" int not null default 0, add "last_reconciled_at" timestamptz null, add "last_reconcile_answer" varchar(300) null;`);
    this.addSql(`create index "payments_reconcile_at_index" on "payments" ("reconcile_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "outbox_messages" drop constraint "outbox_messages_topic_check";`);
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_topic_check" check ("topic" in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP'));`);

    this.addSql(`drop index "payments_reconcile_at_index";`);
    this.addSql(`alter table "payments" drop column "reconcile_at", drop column "reconcile_attempts", drop column "last_reconciled_at", drop column "last_reconcile_answer";`);
  }

}
