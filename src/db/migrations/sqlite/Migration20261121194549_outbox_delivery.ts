import { Migration } from '@mikro-orm/migrations';

export class Migration20261121194549_outbox_delivery extends Migration {

  override name = 'Migration20261121194549_outbox_delivery';

  override up(): void | Promise<void> {
    this.addSql(`create table \`coupon_redemptions\` (\`id\` integer not null primary key autoincrement, \`coupon_code\` text not null, \`order_id\` text not null, \`already_used\` integer not null, \`at\` datetime not null);`);
    this.addSql(`create index \`coupon_redemptions_coupon_code_index\` on \`coupon_redemptions\` (\`coupon_code\`);`);
    this.addSql(`create unique index \`coupon_redemptions_coupon_code_order_id_unique\` on \`coupon_redemptions\` (\`coupon_code\`, \`order_id\`);`);

    this.addSql(`create table \`gift_card_redemptions\` (\`id\` integer not null primary key autoincrement, \`gift_card_code\` text not null, \`order_id\` text not null, \`amount\` bigint not null, \`taken\` bigint not null, \`at\` datetime not null);`);
    this.addSql(`create index \`gift_card_redemptions_gift_card_code_index\` on \`gift_card_redemptions\` (\`gift_card_code\`);`);
    this.addSql(`create unique index \`gift_card_redemptions_gift_card_code_order_id_unique\` on \`gift_card_redemptions\` (\`gift_card_code\`, \`order_id\`);`);

    this.addSql(`create table \`stock_movements\` (\`id\` integer not null primary key autoincrement, \`sku\` text not null, \`order_id\` text not null, \`quantity\` integer not null, \`stock_after\` integer not null, \`at\` datetime not null);`);
    this.addSql(`create index \`stock_movements_sku_index\` on \`stock_movements\` (\`sku\`);`);
    this.addSql(`create unique index \`stock_movements_order_id_sku_unique\` on \`stock_movements\` (\`order_id\`, \`sku\`);`);

    this.addSql(`alter table \`outbox_messages\` add column \`lease_owner\` text null;`);
    this.addSql(`alter table \`outbox_messages\` add column \`lease_expires_at\` datetime null;`);
    this.addSql(`create index \`outbox_messages_status_next_attempt_at_index\` on \`outbox_messages\` (\`status\`, \`next_attempt_at\`);`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`status_transitions__temp_alter\` (\`id\` integer not null primary key autoincrement, \`subject\` text check (\`subject\` in ('CART', 'ORDER', 'PAYMENT', 'OUTBOX', 'GIFT_CARD')) not null, \`subject_id\` text not null, \`order_id\` text null, \`from_status\` text null, \`to_status\` text not null, \`trigger\` text not null, \`source\` text check (\`source\` in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE', 'WORKER')) not null, \`inbox_message_id\` integer null, \`detail\` text null, \`at\` datetime not null);`);
    this.addSql(`insert into \`status_transitions__temp_alter\` select \`id\`, \`subject\`, \`subject_id\`, \`order_id\`, \`from_status\`, \`to_status\`, \`trigger\`, \`source\`, \`inbox_message_id\`, \`detail\`, \`at\` from \`status_transitions\`;`);
    this.addSql(`drop table \`status_transitions\`;`);
    this.addSql(`alter table \`status_transitions__temp_alter\` rename to \`status_transitions\`;`);
    this.addSql(`create index \`status_transitions_order_id_index\` on \`status_transitions\` (\`order_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`coupon_redemptions\`;`);
    this.addSql(`drop table if exists \`gift_card_redemptions\`;`);
    this.addSql(`drop table if exists \`stock_movements\`;`);

    this.addSql(`drop index \`outbox_messages_status_next_attempt_at_index\`;`);
    this.addSql(`alter table \`outbox_messages\` drop column \`lease_owner\`;`);
    this.addSql(`alter table \`outbox_messages\` drop column \`lease_expires_at\`;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`status_transitions__temp_alter\` (\`id\` integer not null primary key autoincrement, \`subject\` TEXT check (\`subject\` in ('CART', 'ORDER', 'PAYMENT')) not null, \`subject_id\` TEXT not null, \`order_id\` TEXT null, \`from_status\` TEXT null, \`to_status\` TEXT not null, \`trigger\` TEXT not null, \`source\` TEXT check (\`source\` in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE')) not null, \`inbox_message_id\` INTEGER null, \`detail\` TEXT null, \`at\` datetime not null);`);
    this.addSql(`insert into \`status_transitions__temp_alter\` select \`id\`, \`subject\`, \`subject_id\`, \`order_id\`, \`from_status\`, \`to_status\`, \`trigger\`, \`source\`, \`inbox_message_id\`, \`detail\`, \`at\` from \`status_transitions\`;`);
    this.addSql(`drop table \`status_transitions\`;`);
    this.addSql(`alter table \`status_transitions__temp_alter\` rename to \`status_transitions\`;`);
    this.addSql(`create index \`status_transitions_order_id_index\` on \`status_transitions\` (\`order_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
