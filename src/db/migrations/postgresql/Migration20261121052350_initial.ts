import { Migration } from '@mikro-orm/migrations';

export class Migration20261121052350_initial extends Migration {

  override name = 'Migration20261121052350_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "carts" ("id" varchar(36) not null, "status" text not null, "currency" varchar(3) not null, "lines" jsonb not null, "custom_fields" jsonb not null, "coupon_codes" jsonb not null, "gift_card_codes" jsonb not null, "revision" int not null default 0, "current_order_id" varchar(36) null, "lock_version" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);

    this.addSql(`create table "coupons" ("code" varchar(64) not null, "kind" text not null, "value" int not null, "currency" varchar(3) null, "single_use" boolean not null default false, "active" boolean not null default true, "redemptions" int not null default 0, "created_at" timestamptz not null, primary key ("code"));`);

    this.addSql(`create table "gift_cards" ("code" varchar(64) not null, "currency" varchar(3) not null, "balance" int not null, "locked_by_order_id" varchar(36) null, "locked_amount" int not null default 0, "created_at" timestamptz not null, primary key ("code"));`);

    this.addSql(`create table "inbox_messages" ("id" serial primary key, "gateway" text not null, "dedup_key" varchar(100) null, "status" text not null, "payment_reference" varchar(64) null, "remote_address" varchar(64) null, "headers" jsonb not null, "body" text null, "outcome" text null, "attempts" int not null default 0, "received_at" timestamptz not null, "processed_at" timestamptz null);`);
    this.addSql(`alter table "inbox_messages" add constraint "inbox_messages_dedup_key_unique" unique ("dedup_key");`);
    this.addSql(`create index "inbox_messages_payment_reference_index" on "inbox_messages" ("payment_reference");`);

    this.addSql(`create table "orders" ("id" varchar(36) not null, "cart_id" varchar(36) not null, "cart_revision" int not null, "idempotency_key" varchar(100) not null, "status" text not null, "access_token" varchar(64) not null, "currency" varchar(3) not null, "lines" jsonb not null, "custom_fields" jsonb not null, "coupon_codes" jsonb not null, "gift_cards" jsonb not null, "subtotal" int not null, "discount_total" int not null, "gift_card_total" int not null, "total" int not null, "flags" jsonb not null, "status_sequence" int not null default 0, "placed_at" timestamptz not null, "ready_at" timestamptz null, "cancelled_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "orders_cart_id_index" on "orders" ("cart_id");`);
    this.addSql(`alter table "orders" add constraint "orders_cart_id_idempotency_key_unique" unique ("cart_id", "idempotency_key");`);

    this.addSql(`create table "outbox_messages" ("id" serial primary key, "topic" text not null, "dedup_key" varchar(150) not null, "order_id" varchar(36) null, "payload" jsonb not null, "status" text not null, "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_error" text null, "created_at" timestamptz not null, "done_at" timestamptz null);`);
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_dedup_key_unique" unique ("dedup_key");`);
    this.addSql(`create index "outbox_messages_order_id_index" on "outbox_messages" ("order_id");`);
    this.addSql(`create index "outbox_messages_status_index" on "outbox_messages" ("status");`);

    this.addSql(`create table "payments" ("id" varchar(36) not null, "order_id" varchar(36) not null, "gateway" text not null, "reference" varchar(32) not null, "gateway_payment_id" varchar(64) null, "status" text not null, "amount" int not null, "currency" varchar(3) not null, "gateway_currency" varchar(3) null, "amount_authorized" int not null default 0, "amount_captured" int not null default 0, "amount_refunded" int not null default 0, "fee" int not null default 0, "test_mode" boolean not null default false, "gateway_sequence" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "payments_order_id_index" on "payments" ("order_id");`);
    this.addSql(`alter table "payments" add constraint "payments_gateway_reference_unique" unique ("gateway", "reference");`);

    this.addSql(`create table "products" ("sku" varchar(64) not null, "name" varchar(200) not null, "unit_price" int not null, "currency" varchar(3) not null, "stock_on_hand" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("sku"));`);

    this.addSql(`create table "status_transitions" ("id" serial primary key, "subject" text not null, "subject_id" varchar(36) not null, "order_id" varchar(36) null, "from_status" varchar(32) null, "to_status" varchar(32) not null, "trigger" varchar(64) not null, "source" text not null, "inbox_message_id" int null, "detail" text null, "at" timestamptz not null);`);
    this.addSql(`create index "status_transitions_order_id_index" on "status_transitions" ("order_id");`);

    this.addSql(`alter table "carts" add constraint "carts_status_check" check ("status" in ('OPEN', 'CHECKED_OUT'));`);

    this.addSql(`alter table "coupons" add constraint "coupons_kind_check" check ("kind" in ('PERCENT', 'AMOUNT'));`);

    this.addSql(`alter table "inbox_messages" add constraint "inbox_messages_gateway_check" check ("gateway" in ('QUICKPAY'));`);
    this.addSql(`alter table "inbox_messages" add constraint "inbox_messages_status_check" check ("status" in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'REJECTED'));`);

    this.addSql(`alter table "orders" add constraint "orders_status_check" check ("status" in ('PENDING_PAYMENT', 'READY', 'CANCELLED'));`);

    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_topic_check" check ("topic" in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP'));`);
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_status_check" check ("status" in ('PENDING', 'DONE', 'FAILED'));`);

    this.addSql(`alter table "payments" add constraint "payments_gateway_check" check ("gateway" in ('QUICKPAY'));`);
    this.addSql(`alter table "payments" add constraint "payments_status_check" check ("status" in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED'));`);

    this.addSql(`alter table "status_transitions" add constraint "status_transitions_subject_check" check ("subject" in ('CART', 'ORDER', 'PAYMENT'));`);
    this.addSql(`alter table "status_transitions" add constraint "status_transitions_source_check" check ("source" in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "carts" cascade;`);
    this.addSql(`drop table if exists "coupons" cascade;`);
    this.addSql(`drop table if exists "gift_cards" cascade;`);
    this.addSql(`drop table if exists "inbox_messages" cascade;`);
    this.addSql(`drop table if exists "orders" cascade;`);
    this.addSql(`drop table if exists "outbox_messages" cascade;`);
    this.addSql(`drop table if exists "payments" cascade;`);
    this.addSql(`drop table if exists "products" cascade;`);
    this.addSql(`drop table if exists "status_transitions" cascade;`);
  }

}
