import { Migration } from '@mikro-orm/migrations';

export class Migration20261122044433_more_gateways extends Migration {

  override name = 'Migration20261122044433_more_gateways';

  override up(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`inbox_messages__temp_alter\` (\`id\` integer not null primary key autoincrement, \`gateway\` text check (\`gateway\` in ('QUICKPAY', 'LYRA', 'STRIPE')) not null, \`dedup_key\` text null, \`status\` text check (\`status\` in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'FAILED', 'REJECTED')) not null, \`payment_reference\` text null, \`remote_address\` text null, \`headers\` json not null, \`body\` blob null, \`outcome\` text null, \`attempts\` integer not null default 0, \`received_at\` datetime not null, \`processed_at\` datetime null);`);
    this.addSql(`insert into \`inbox_messages__temp_alter\` select \`id\`, \`gateway\`, \`dedup_key\`, \`status\`, \`payment_reference\`, \`remote_address\`, \`headers\`, \`body\`, \`outcome\`, \`attempts\`, \`received_at\`, \`processed_at\` from \`inbox_messages\`;`);
    this.addSql(`drop table \`inbox_messages\`;`);
    this.addSql(`alter table \`inbox_messages__temp_alter\` rename to \`inbox_messages\`;`);
    this.addSql(`create unique index \`inbox_messages_dedup_key_unique\` on \`inbox_messages\` (\`dedup_key\`);`);
    this.addSql(`create index \`inbox_messages_payment_reference_index\` on \`inbox_messages\` (\`payment_reference\`);`);
    this.addSql(`create index \`inbox_messages_status_received_at_index\` on \`inbox_messages\` (\`status\`, \`received_at\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payments__temp_alter\` (\`id\` text not null primary key, \`order_id\` text not null, \`gateway\` text check (\`gateway\` in ('QUICKPAY', 'LYRA', 'STRIPE')) not null, \`payment_method_id\` text null, \`reference\` text not null, \`gateway_payment_id\` text null, \`gateway_data\` json null, \`test_cards_allowed\` integer not null default false, \`gateway_fee_allowed\` integer not null default false, \`draw_method\` text check (\`draw_method\` in ('AUTHORIZE', 'SUBSCRIPTION')) not null default 'AUTHORIZE', \`locked_to\` text null, \`status\` text check (\`status\` in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED')) not null, \`amount\` bigint not null, \`currency\` text not null, \`gateway_currency\` text null, \`amount_authorized\` bigint not null default '0', \`amount_captured\` bigint not null default '0', \`amount_refunded\` bigint not null default '0', \`fee\` bigint not null default '0', \`test_mode\` integer not null default false, \`gateway_sequence\` bigint not null default '0', \`reconcile_at\` datetime null, \`reconcile_attempts\` integer not null default 0, \`last_reconciled_at\` datetime null, \`last_reconcile_answer\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`payments__temp_alter\` select \`id\`, \`order_id\`, \`gateway\`, \`payment_method_id\`, \`reference\`, \`gateway_payment_id\`, \`gateway_data\`, \`test_cards_allowed\`, \`gateway_fee_allowed\`, \`draw_method\`, \`locked_to\`, \`status\`, \`amount\`, \`currency\`, \`gateway_currency\`, \`amount_authorized\`, \`amount_captured\`, \`amount_refunded\`, \`fee\`, \`test_mode\`, \`gateway_sequence\`, \`reconcile_at\`, \`reconcile_attempts\`, \`last_reconciled_at\`, \`last_reconcile_answer\`, \`created_at\`, \`updated_at\` from \`payments\`;`);
    this.addSql(`drop table \`payments\`;`);
    this.addSql(`alter table \`payments__temp_alter\` rename to \`payments\`;`);
    this.addSql(`create index \`payments_order_id_index\` on \`payments\` (\`order_id\`);`);
    this.addSql(`create index \`payments_payment_method_id_index\` on \`payments\` (\`payment_method_id\`);`);
    this.addSql(`create index \`payments_reconcile_at_index\` on \`payments\` (\`reconcile_at\`);`);
    this.addSql(`create unique index \`payments_gateway_reference_unique\` on \`payments\` (\`gateway\`, \`reference\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payment_methods__temp_alter\` (\`id\` text not null primary key, \`code\` text not null, \`name\` text not null, \`gateway\` text check (\`gateway\` in ('QUICKPAY', 'LYRA', 'STRIPE')) not null, \`test_cards_allowed\` integer not null default false, \`draw_method\` text check (\`draw_method\` in ('AUTHORIZE', 'SUBSCRIPTION')) not null, \`gateway_fee_allowed\` integer not null default false, \`locked_to\` text null, \`visible\` integer not null default true, \`position\` integer not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`payment_methods__temp_alter\` select \`id\`, \`code\`, \`name\`, \`gateway\`, \`test_cards_allowed\`, \`draw_method\`, \`gateway_fee_allowed\`, \`locked_to\`, \`visible\`, \`position\`, \`created_at\`, \`updated_at\` from \`payment_methods\`;`);
    this.addSql(`drop table \`payment_methods\`;`);
    this.addSql(`alter table \`payment_methods__temp_alter\` rename to \`payment_methods\`;`);
    this.addSql(`create unique index \`payment_methods_code_unique\` on \`payment_methods\` (\`code\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`inbox_messages__temp_alter\` (\`id\` integer not null primary key autoincrement, \`gateway\` TEXT check (\`gateway\` in ('QUICKPAY')) not null, \`dedup_key\` TEXT null, \`status\` TEXT check (\`status\` in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'FAILED', 'REJECTED')) not null, \`payment_reference\` TEXT null, \`remote_address\` TEXT null, \`headers\` json not null, \`body\` BLOB null, \`outcome\` TEXT null, \`attempts\` INTEGER not null default 0, \`received_at\` datetime not null, \`processed_at\` datetime null);`);
    this.addSql(`insert into \`inbox_messages__temp_alter\` select \`id\`, \`gateway\`, \`dedup_key\`, \`status\`, \`payment_reference\`, \`remote_address\`, \`headers\`, \`body\`, \`outcome\`, \`attempts\`, \`received_at\`, \`processed_at\` from \`inbox_messages\`;`);
    this.addSql(`drop table \`inbox_messages\`;`);
    this.addSql(`alter table \`inbox_messages__temp_alter\` rename to \`inbox_messages\`;`);
    this.addSql(`create index \`inbox_messages_status_received_at_index\` on \`inbox_messages\` (\`status\`, \`received_at\`);`);
    this.addSql(`create index \`inbox_messages_payment_reference_index\` on \`inbox_messages\` (\`payment_reference\`);`);
    this.addSql(`create unique index \`inbox_messages_dedup_key_unique\` on \`inbox_messages\` (\`dedup_key\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payment_methods__temp_alter\` (\`id\` TEXT not null primary key, \`code\` TEXT not null, \`name\` TEXT not null, \`gateway\` TEXT check (\`gateway\` in ('QUICKPAY')) not null, \`test_cards_allowed\` INTEGER not null default false, \`draw_method\` TEXT check (\`draw_method\` in ('AUTHORIZE', 'SUBSCRIPTION')) not null, \`gateway_fee_allowed\` INTEGER not null default false, \`locked_to\` TEXT null, \`visible\` INTEGER not null default true, \`position\` INTEGER not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`payment_methods__temp_alter\` select \`id\`, \`code\`, \`name\`, \`gateway\`, \`test_cards_allowed\`, \`draw_method\`, \`gateway_fee_allowed\`, \`locked_to\`, \`visible\`, \`position\`, \`created_at\`, \`updated_at\` from \`payment_methods\`;`);
    this.addSql(`drop table \`payment_methods\`;`);
    this.addSql(`alter table \`payment_methods__temp_alter\` rename to \`payment_methods\`;`);
    this.addSql(`create unique index \`payment_methods_code_unique\` on \`payment_methods\` (\`code\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payments__temp_alter\` (\`id\` TEXT not null primary key, \`order_id\` TEXT not null, \`gateway\` TEXT check (\`gateway\` in ('QUICKPAY')) not null, \`payment_method_id\` TEXT null, \`reference\` TEXT not null, \`gateway_payment_id\` TEXT null, \`gateway_data\` json null, \`test_cards_allowed\` INTEGER not null default false, \`gateway_fee_allowed\` INTEGER not null default false, \`draw_method\` TEXT check (\`draw_method\` in ('AUTHORIZE', 'SUBSCRIPTION')) not null default 'AUTHORIZE', \`locked_to\` TEXT null, \`status\` TEXT check (\`status\` in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED')) not null, \`amount\` bigint not null, \`currency\` TEXT not null, \`gateway_currency\` TEXT null, \`amount_authorized\` bigint not null default '0', \`amount_captured\` bigint not null default '0', \`amount_refunded\` bigint not null default '0', \`fee\` bigint not null default '0', \`test_mode\` INTEGER not null default false, \`gateway_sequence\` bigint not null default '0', \`reconcile_at\` datetime null, \`reconcile_attempts\` INTEGER not null default 0, \`last_reconciled_at\` datetime null, \`last_reconcile_answer\` TEXT null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`payments__temp_alter\` select \`id\`, \`order_id\`, \`gateway\`, \`payment_method_id\`, \`reference\`, \`gateway_payment_id\`, \`gateway_data\`, \`test_cards_allowed\`, \`gateway_fee_allowed\`, \`draw_method\`, \`locked_to\`, \`status\`, \`amount\`, \`currency\`, \`gateway_currency\`, \`amount_authorized\`, \`amount_captured\`, \`amount_refunded\`, \`fee\`, \`test_mode\`, \`gateway_sequence\`, \`reconcile_at\`, \`reconcile_attempts\`, \`last_reconciled_at\`, \`last_reconcile_answer\`, \`created_at\`, \`updated_at\` from \`payments\`;`);
    this.addSql(`drop table \`payments\`;`);
    this.addSql(`alter table \`payments__temp_alter\` rename to \`payments\`;`);
    this.addSql(`create unique index \`payments_gateway_reference_unique\` on \`payments\` (\`gateway\`, \`reference\`);`);
    this.addSql(`create index \`payments_reconcile_at_index\` on \`payments\` (\`reconcile_at\`);`);
    this.addSql(`create index \`payments_payment_method_id_index\` on \`payments\` (\`payment_method_id\`);`);
    this.addSql(`create index \`payments_order_id_index\` on \`payments\` (\`order_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
