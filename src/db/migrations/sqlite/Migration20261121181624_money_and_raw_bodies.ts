import { Migration } from '@mikro-orm/migrations';

export class Migration20261121181624_money_and_raw_bodies extends Migration {

  override name = 'Migration20261121181624_money_and_raw_bodies';

  // Edited by hand: bodies kept so far were text; they are copied as the bytes they were received as.
  override up(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`coupons__temp_alter\` (\`code\` text not null primary key, \`kind\` text check (\`kind\` in ('PERCENT', 'AMOUNT')) not null, \`value\` bigint not null, \`currency\` text null, \`single_use\` integer not null default false, \`active\` integer not null default true, \`redemptions\` integer not null default 0, \`created_at\` datetime not null);`);
    this.addSql(`insert into \`coupons__temp_alter\` select \`code\`, \`kind\`, \`value\`, \`currency\`, \`single_use\`, \`active\`, \`redemptions\`, \`created_at\` from \`coupons\`;`);
    this.addSql(`drop table \`coupons\`;`);
    this.addSql(`alter table \`coupons__temp_alter\` rename to \`coupons\`;`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`gift_cards__temp_alter\` (\`code\` text not null primary key, \`currency\` text not null, \`balance\` bigint not null, \`locked_by_order_id\` text null, \`locked_amount\` bigint not null default '0', \`created_at\` datetime not null);`);
    this.addSql(`insert into \`gift_cards__temp_alter\` select \`code\`, \`currency\`, \`balance\`, \`locked_by_order_id\`, \`locked_amount\`, \`created_at\` from \`gift_cards\`;`);
    this.addSql(`drop table \`gift_cards\`;`);
    this.addSql(`alter table \`gift_cards__temp_alter\` rename to \`gift_cards\`;`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`inbox_messages__temp_alter\` (\`id\` integer not null primary key autoincrement, \`gateway\` text check (\`gateway\` in ('QUICKPAY')) not null, \`dedup_key\` text null, \`status\` text check (\`status\` in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'FAILED', 'REJECTED')) not null, \`payment_reference\` text null, \`remote_address\` text null, \`headers\` json not null, \`body\` blob null, \`outcome\` text null, \`attempts\` integer not null default 0, \`received_at\` datetime not null, \`processed_at\` datetime null);`);
    this.addSql(`insert into \`inbox_messages__temp_alter\` select \`id\`, \`gateway\`, \`dedup_key\`, \`status\`, \`payment_reference\`, \`remote_address\`, \`headers\`, cast(\`body\` as blob), \`outcome\`, \`attempts\`, \`received_at\`, \`processed_at\` from \`inbox_messages\`;`);
    this.addSql(`drop table \`inbox_messages\`;`);
    this.addSql(`alter table \`inbox_messages__temp_alter\` rename to \`inbox_messages\`;`);
    this.addSql(`create unique index \`inbox_messages_dedup_key_unique\` on \`inbox_messages\` (\`dedup_key\`);`);
    this.addSql(`create index \`inbox_messages_payment_reference_index\` on \`inbox_messages\` (\`payment_reference\`);`);
    this.addSql(`create index \`inbox_messages_status_received_at_index\` on \`inbox_messages\` (\`status\`, \`received_at\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`orders__temp_alter\` (\`id\` text not null primary key, \`cart_id\` text not null, \`cart_revision\` integer not null, \`idempotency_key\` text not null, \`status\` text check (\`status\` in ('PENDING_PAYMENT', 'READY', 'CANCELLED')) not null, \`access_token\` text not null, \`currency\` text not null, \`lines\` json not null, \`custom_fields\` json not null, \`coupon_codes\` json not null, \`gift_cards\` json not null, \`subtotal\` bigint not null, \`discount_total\` bigint not null, \`gift_card_total\` bigint not null, \`total\` bigint not null, \`flags\` json not null, \`status_sequence\` integer not null default 0, \`placed_at\` datetime not null, \`ready_at\` datetime null, \`cancelled_at\` datetime null);`);
    this.addSql(`insert into \`orders__temp_alter\` select \`id\`, \`cart_id\`, \`cart_revision\`, \`idempotency_key\`, \`status\`, \`access_token\`, \`currency\`, \`lines\`, \`custom_fields\`, \`coupon_codes\`, \`gift_cards\`, \`subtotal\`, \`discount_total\`, \`gift_card_total\`, \`total\`, \`flags\`, \`status_sequence\`, \`placed_at\`, \`ready_at\`, \`cancelled_at\` from \`orders\`;`);
    this.addSql(`drop table \`orders\`;`);
    this.addSql(`alter table \`orders__temp_alter\` rename to \`orders\`;`);
    this.addSql(`create index \`orders_cart_id_index\` on \`orders\` (\`cart_id\`);`);
    this.addSql(`create unique index \`orders_cart_id_idempotency_key_unique\` on \`orders\` (\`cart_id\`, \`idempotency_key\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payments__temp_alter\` (\`id\` text not null primary key, \`order_id\` text not null, \`gateway\` text check (\`gateway\` in ('QUICKPAY')) not null, \`reference\` text not null, \`gateway_payment_id\` text null, \`status\` text check (\`status\` in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED')) not null, \`amount\` bigint not null, \`currency\` text not null, \`gateway_currency\` text null, \`amount_authorized\` bigint not null default '0', \`amount_captured\` bigint not null default '0', \`amount_refunded\` bigint not null default '0', \`fee\` bigint not null default '0', \`test_mode\` integer not null default false, \`gateway_sequence\` bigint not null default '0', \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`payments__temp_alter\` select \`id\`, \`order_id\`, \`gateway\`, \`reference\`, \`gateway_payment_id\`, \`status\`, \`amount\`, \`currency\`, \`gateway_currency\`, \`amount_authorized\`, \`amount_captured\`, \`amount_refunded\`, \`fee\`, \`test_mode\`, \`gateway_sequence\`, \`created_at\`, \`updated_at\` from \`payments\`;`);
    this.addSql(`drop table \`payments\`;`);
    this.addSql(`alter table \`payments__temp_alter\` rename to \`payments\`;`);
    this.addSql(`create index \`payments_order_id_index\` on \`payments\` (\`order_id\`);`);
    this.addSql(`create unique index \`payments_gateway_reference_unique\` on \`payments\` (\`gateway\`, \`reference\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`products__temp_alter\` (\`sku\` text not null primary key, \`name\` text not null, \`unit_price\` bigint not null, \`currency\` text not null, \`stock_on_hand\` integer not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`products__temp_alter\` select \`sku\`, \`name\`, \`unit_price\`, \`currency\`, \`stock_on_hand\`, \`created_at\`, \`updated_at\` from \`products\`;`);
    this.addSql(`drop table \`products\`;`);
    this.addSql(`alter table \`products__temp_alter\` rename to \`products\`;`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`coupons__temp_alter\` (\`code\` TEXT not null primary key, \`kind\` TEXT check (\`kind\` in ('PERCENT', 'AMOUNT')) not null, \`value\` INTEGER not null, \`currency\` TEXT null, \`single_use\` INTEGER not null default false, \`active\` INTEGER not null default true, \`redemptions\` INTEGER not null default 0, \`created_at\` datetime not null);`);
    this.addSql(`insert into \`coupons__temp_alter\` select \`code\`, \`kind\`, \`value\`, \`currency\`, \`single_use\`, \`active\`, \`redemptions\`, \`created_at\` from \`coupons\`;`);
    this.addSql(`drop table \`coupons\`;`);
    this.addSql(`alter table \`coupons__temp_alter\` rename to \`coupons\`;`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`gift_cards__temp_alter\` (\`code\` TEXT not null primary key, \`currency\` TEXT not null, \`balance\` INTEGER not null, \`locked_by_order_id\` TEXT null, \`locked_amount\` INTEGER not null default 0, \`created_at\` datetime not null);`);
    this.addSql(`insert into \`gift_cards__temp_alter\` select \`code\`, \`currency\`, \`balance\`, \`locked_by_order_id\`, \`locked_amount\`, \`created_at\` from \`gift_cards\`;`);
    this.addSql(`drop table \`gift_cards\`;`);
    this.addSql(`alter table \`gift_cards__temp_alter\` rename to \`gift_cards\`;`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`inbox_messages__temp_alter\` (\`id\` integer not null primary key autoincrement, \`gateway\` TEXT check (\`gateway\` in ('QUICKPAY')) not null, \`dedup_key\` TEXT null, \`status\` TEXT check (\`status\` in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'REJECTED')) not null, \`payment_reference\` TEXT null, \`remote_address\` TEXT null, \`headers\` json not null, \`body\` TEXT null, \`outcome\` TEXT null, \`attempts\` INTEGER not null default 0, \`received_at\` datetime not null, \`processed_at\` datetime null);`);
    this.addSql(`insert into \`inbox_messages__temp_alter\` select \`id\`, \`gateway\`, \`dedup_key\`, \`status\`, \`payment_reference\`, \`remote_address\`, \`headers\`, \`body\`, \`outcome\`, \`attempts\`, \`received_at\`, \`processed_at\` from \`inbox_messages\`;`);
    this.addSql(`drop table \`inbox_messages\`;`);
    this.addSql(`alter table \`inbox_messages__temp_alter\` rename to \`inbox_messages\`;`);
    this.addSql(`create index \`inbox_messages_payment_reference_index\` on \`inbox_messages\` (\`payment_reference\`);`);
    this.addSql(`create unique index \`inbox_messages_dedup_key_unique\` on \`inbox_messages\` (\`dedup_key\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`orders__temp_alter\` (\`id\` TEXT not null primary key, \`cart_id\` TEXT not null, \`cart_revision\` INTEGER not null, \`idempotency_key\` TEXT not null, \`status\` TEXT check (\`status\` in ('PENDING_PAYMENT', 'READY', 'CANCELLED')) not null, \`access_token\` TEXT not null, \`currency\` TEXT not null, \`lines\` json not null, \`custom_fields\` json not null, \`coupon_codes\` json not null, \`gift_cards\` json not null, \`subtotal\` INTEGER not null, \`discount_total\` INTEGER not null, \`gift_card_total\` INTEGER not null, \`total\` INTEGER not null, \`flags\` json not null, \`status_sequence\` INTEGER not null default 0, \`placed_at\` datetime not null, \`ready_at\` datetime null, \`cancelled_at\` datetime null);`);
    this.addSql(`insert into \`orders__temp_alter\` select \`id\`, \`cart_id\`, \`cart_revision\`, \`idempotency_key\`, \`status\`, \`access_token\`, \`currency\`, \`lines\`, \`custom_fields\`, \`coupon_codes\`, \`gift_cards\`, \`subtotal\`, \`discount_total\`, \`gift_card_total\`, \`total\`, \`flags\`, \`status_sequence\`, \`placed_at\`, \`ready_at\`, \`cancelled_at\` from \`orders\`;`);
    this.addSql(`drop table \`orders\`;`);
    this.addSql(`alter table \`orders__temp_alter\` rename to \`orders\`;`);
    this.addSql(`create unique index \`orders_cart_id_idempotency_key_unique\` on \`orders\` (\`cart_id\`, \`idempotency_key\`);`);
    this.addSql(`create index \`orders_cart_id_index\` on \`orders\` (\`cart_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payments__temp_alter\` (\`id\` TEXT not null primary key, \`order_id\` TEXT not null, \`gateway\` TEXT check (\`gateway\` in ('QUICKPAY')) not null, \`reference\` TEXT not null, \`gateway_payment_id\` TEXT null, \`status\` TEXT check (\`status\` in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED')) not null, \`amount\` INTEGER not null, \`currency\` TEXT not null, \`gateway_currency\` TEXT null, \`amount_authorized\` INTEGER not null default 0, \`amount_captured\` INTEGER not null default 0, \`amount_refunded\` INTEGER not null default 0, \`fee\` INTEGER not null default 0, \`test_mode\` INTEGER not null default false, \`gateway_sequence\` INTEGER not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`payments__temp_alter\` select \`id\`, \`order_id\`, \`gateway\`, \`reference\`, \`gateway_payment_id\`, \`status\`, \`amount\`, \`currency\`, \`gateway_currency\`, \`amount_authorized\`, \`amount_captured\`, \`amount_refunded\`, \`fee\`, \`test_mode\`, \`gateway_sequence\`, \`created_at\`, \`updated_at\` from \`payments\`;`);
    this.addSql(`drop table \`payments\`;`);
    this.addSql(`alter table \`payments__temp_alter\` rename to \`payments\`;`);
    this.addSql(`create unique index \`payments_gateway_reference_unique\` on \`payments\` (\`gateway\`, \`reference\`);`);
    this.addSql(`create index \`payments_order_id_index\` on \`payments\` (\`order_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`products__temp_alter\` (\`sku\` TEXT not null primary key, \`name\` TEXT not null, \`unit_price\` INTEGER not null, \`currency\` TEXT not null, \`stock_on_hand\` INTEGER not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`products__temp_alter\` select \`sku\`, \`name\`, \`unit_price\`, \`currency\`, \`stock_on_hand\`, \`created_at\`, \`updated_at\` from \`products\`;`);
    this.addSql(`drop table \`products\`;`);
    this.addSql(`alter table \`products__temp_alter\` rename to \`products\`;`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
