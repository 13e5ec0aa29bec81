import { Migration } from '@mikro-orm/migrations';

export class Migration20261121194549_outbox_delivery extends Migration {

  override name = 'Migration20261121194549_outbox_delivery';

  override up(): void | Promise<void> {
    this.addSql(`create table "coupon_redemptions" ("id" serial primary key, "coupon_code" varchar(64) not null, "order_id" varchar(36) not null, "already_used" boolean not null, "at" timestamptz not null);`);
    this.addSql(`create index "coupon_redemptions_coupon_code_index" on "coupon_redemptions" ("coupon_code");`);
    this.addSql(`alter table "coupon_redemptions" add constraint "coupon_redemptions_coupon_code_order_id_unique" unique ("coupon_code", "order_id");`);

    this.addSql(`create table "gift_card_redemptions" ("id" serial primary key, "gift_card_code" varchar(64) not null, "order_id" varchar(36) not null, "amount" bigint not null, "taken" bigint not null, "at" timestamptz not null);`);
    this.addSql(`create index "gift_card_redemptions_gift_card_code_index" on "gift_card_redemptions" ("gift_card_code");`);
    this.addSql(`alter table "gift_card_redemptions" add constraint "gift_card_redemptions_gift_card_code_order_id_unique" unique ("gift_card_code", "order_id");`);

    this.addSql(`create table "stock_movements" ("id" serial primary key, "sku" varchar(64) not null, "order_id" varchar(36) not null, "quantity" int not null, "stock_after" int not null, "at" timestamptz not null);`);
    this.addSql(`create index "stock_movements_sku_index" on "stock_movements" ("sku");`);
    this.addSql(`alter table "stock_movements" add constraint "stock_movements_order_id_sku_unique" unique ("order_id", "sku");`);

    this.addSql(`alter table "outbox_messages" add "lease_owner" varchar(100) null, add "lease_expires_at" timestamptz null;`);
    this.addSql(`create index "outbox_messages_status_next_attempt_at_index" on "outbox_messages" ("status", "next_attempt_at");`);

    this.addSql(`alter table "status_transitions" drop constraint "status_transitions_source_check";`);
    this.addSql(`alter table "status_transitions" drop constraint "status_transitions_subject_check";`);
    this.addSql(`alter table "status_transitions" add constraint "status_transitions_source_check" check ("source" in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE', 'WORKER'));`);
    this.addSql(`alter table "status_transitions" add constraint "status_transitions_subject_check" check ("subject" in ('CART', 'ORDER', 'PAYMENT', 'OUTBOX', 'GIFT_CARD'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "coupon_redemptions" cascade;`);
    this.addSql(`drop table if exists "gift_card_redemptions" cascade;`);
    this.addSql(`drop table if exists "stock_movements" cascade;`);

    this.addSql(`drop index "outbox_messages_status_next_attempt_at_index";`);
    this.addSql(`alter table "outbox_messages" drop column "lease_owner", drop column "lease_expires_at";`);

    this.addSql(`alter table "status_transitions" drop constraint "status_transitions_subject_check";`);
    this.addSql(`alter table "status_transitions" drop constraint "status_transitions_source_check";`);
    this.addSql(`alter table "status_transitions" add constraint "status_transitions_subject_check" check ("subject" in ('CART', 'ORDER', 'PAYMENT'));`);
    this.addSql(`alter table "status_transitions" add constraint "status_transitions_source_check" check ("source" in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE'));`);
  }

}
