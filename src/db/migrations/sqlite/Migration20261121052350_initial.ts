import { Migration } from '@mikro-orm/migrations';

export class Migration20261121052350_initial extends Migration {

  override name = 'Migration20261121052350_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table \`carts\` (\`id\` text not null primary key, \`status\` text check (\`status\` in ('OPEN', 'CHECKED_OUT')) not null, \`currency\` text not null, \`lines\` json not null, \`custom_fields\` json not null, \`coupon_codes\` json not null, \`gift_card_codes\` json not null, \`revision\` integer not null default 0, \`current_order_id\` text null, \`lock_version\` integer not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);

    this.addSql(`create table \`coupons\` (\`code\` text not null primary key, \`kind\` text check (\`kind\` in ('PERCENT', 'AMOUNT')) not null, \`value\` integer not null, \`currency\` text null, \`single_use\` integer not null default false, \`active\` integer not null default true, \`redemptions\` integer not null default 0, \`created_at\` datetime not null);`);

    this.addSql(`create table \`gift_cards\` (\`code\` text not null primary key, \`currency\` text not null, \`balance\` integer not null, \`locked_by_order_id\` text null, \`locked_amount\` integer not null default 0, \`created_at\` datetime not null);`);

    this.addSql(`create table \`inbox_messages\` (\`id\` integer not null primary key autoincrement, \`gateway\` text check (\`gateway\` in ('QUICKPAY')) not null, \`dedup_key\` text null, \`status\` text check (\`status\` in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'REJECTED')) not null, \`payment_reference\` text null, \`remote_address\` text null, \`headers\` json not null, \`body\` text null, \`outcome\` text null, \`attempts\` integer not null default 0, \`received_at\` datetime not null, \`processed_at\` datetime null);`);
    this.addSql(`create unique index \`inbox_messages_dedup_key_unique\` on \`inbox_messages\` (\`dedup_key\`);`);
    this.addSql(`create index \`inbox_messages_payment_reference_index\` on \`inbox_messages\` (\`payment_reference\`);`);

    this.addSql(`create table \`orders\` (\`id\` text not null primary key, \`cart_id\` text not null, \`cart_revision\` integer not null, \`idempotency_key\` text not null, \`status\` text check (\`status\` in ('PENDING_PAYMENT', 'READY', 'CANCELLED')) not null, \`access_token\` text not null, \`currency\` text not null, \`lines\` json not null, \`custom_fields\` json not null, \`coupon_codes\` json not null, \`gift_cards\` json not null, \`subtotal\` integer not null, \`discount_total\` integer not null, \`gift_card_total\` integer not null, \`total\` integer not null, \`flags\` json not null, \`status_sequence\` integer not null default 0, \`placed_at\` datetime not null, \`ready_at\` datetime null, \`cancelled_at\` datetime null);`);
    this.addSql(`create index \`orders_cart_id_index\` on \`orders\` (\`cart_id\`);`);
    this.addSql(`create unique index \`orders_cart_id_idempotency_key_unique\` on \`orders\` (\`cart_id\`, \`idempotency_key\`);`);

    this.addSql(`create table \`outbox_messages\` (\`id\` integer not null primary key autoincrement, \`topic\` text check (\`topic\` in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP')) not null, \`dedup_key\` text not null, \`order_id\` text null, \`payload\` json not null, \`status\` text check (\`status\` in ('PENDING', 'DONE', 'FAILED')) not null, \`attempts\` integer not null default 0, \`next_attempt_at\` datetime not null, \`last_error\` text null, \`created_at\` datetime not null, \`done_at\` datetime null);`);
    this.addSql(`create unique index \`outbox_messages_dedup_key_unique\` on \`outbox_messages\` (\`dedup_key\`);`);
    this.addSql(`create index \`outbox_messages_order_id_index\` on \`outbox_messages\` (\`order_id\`);`);
    this.addSql(`create index \`outbox_messages_status_index\` on \`outbox_messages\` (\`status\`);`);

    this.addSql(`create table \`payments\` (\`id\` text not null primary key, \`order_id\` text not null, \`gateway\` text check (\`gateway\` in ('QUICKPAY')) not null, \`reference\` text not null, \`gateway_payment_id\` text null, \`status\` text check (\`status\` in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED')) not null, \`amount\` integer not null, \`currency\` text not null, \`gateway_currency\` text null, \`amount_authorized\` integer not null default 0, \`amount_captured\` integer not null default 0, \`amount_refunded\` integer not null default 0, \`fee\` integer not null default 0, \`test_mode\` integer not null default false, \`gateway_sequence\` integer not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create index \`payments_order_id_index\` on \`payments\` (\`order_id\`);`);
    this.addSql(`create unique index \`payments_gateway_reference_unique\` on \`payments\` (\`gateway\`, \`reference\`);`);

    this.addSql(`create table \`products\` (\`sku\` text not null primary key, \`name\` text not null, \`unit_price\` integer not null, \`currency\` text not null, \`stock_on_hand\` integer not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);

    this.addSql(`create table \`status_transitions\` (\`id\` integer not null primary key autoincrement, \`subject\` text check (\`subject\` in ('CART', 'ORDER', 'PAYMENT')) not null, \`subject_id\` text not null, \`order_id\` text null, \`from_status\` text null, \`to_status\` text not null, \`trigger\` text not null, \`source\` text check (\`source\` in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE')) not null, \`inbox_message_id\` integer null, \`detail\` text null, \`at\` datetime not null);`);
    this.addSql(`create index \`status_transitions_order_id_index\` on \`status_transitions\` (\`order_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`carts\`;`);
    this.addSql(`drop table if exists \`coupons\`;`);
    this.addSql(`drop table if exists \`gift_cards\`;`);
    this.addSql(`drop table if exists \`inbox_messages\`;`);
    this.addSql(`drop table if exists \`orders\`;`);
    this.addSql(`drop table if exists \`outbox_messages\`;`);
    this.addSql(`drop table if exists \`payments\`;`);
    this.addSql(`drop table if exists \`products\`;`);
    this.addSql(`drop table if exists \`status_transitions\`;`);
  }

}
