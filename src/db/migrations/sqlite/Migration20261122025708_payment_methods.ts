import { Migration } from '@mikro-orm/migrations';

export class Migration20261122025708_payment_methods extends Migration {

  override name = 'Migration20261122025708_payment_methods';

  // Edited by hand after generation: payments placed before payment methods get the columns' defaults (the
  // generator copied nulls into NOT NULL columns), and draw_method keeps its check as on PostgreSQL.
  override up(): void | Promise<void> {
    this.addSql(`create table \`payment_methods\` (\`id\` text not null primary key, \`code\` text not null, \`name\` text not null, \`gateway\` text check (\`gateway\` in ('QUICKPAY')) not null, \`test_cards_allowed\` integer not null default false, \`draw_method\` text check (\`draw_method\` in ('AUTHORIZE', 'SUBSCRIPTION')) not null, \`gateway_fee_allowed\` integer not null default false, \`locked_to\` text null, \`visible\` integer not null default true, \`position\` integer not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create unique index \`payment_methods_code_unique\` on \`payment_methods\` (\`code\`);`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payments__temp_alter\` (\`id\` text not null primary key, \`order_id\` text not null, \`gateway\` text check (\`gateway\` in ('QUICKPAY')) not null, \`payment_method_id\` text null, \`reference\` text not null, \`gateway_payment_id\` text null, \`gateway_data\` json null, \`test_cards_allowed\` integer not null default false, \`gateway_fee_allowed\` integer not null default false, \`draw_method\` text check (\`draw_method\` in ('AUTHORIZE', 'SUBSCRIPTION')) not null default 'AUTHORIZE', \`locked_to\` text null, \`status\` text check (\`status\` in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED')) not null, \`amount\` bigint not null, \`currency\` text not null, \`gateway_currency\` text null, \`amount_authorized\` bigint not null default '0', \`amount_captured\` bigint not null default '0', \`amount_refunded\` bigint not null default '0', \`fee\` bigint not null default '0', \`test_mode\` integer not null default false, \`gateway_sequence\` bigint not null default '0', \`reconcile_at\` datetime null, \`reconcile_attempts\` integer not null default 0, \`last_reconciled_at\` datetime null, \`last_reconcile_answer\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`insert into \`payments__temp_alter\` select \`id\`, \`order_id\`, \`gateway\`, null as \`payment_method_id\`, \`reference\`, \`gateway_payment_id\`, null as \`gateway_data\`, 0 as \`test_cards_allowed\`, 0 as \`gateway_fee_allowed\`, 'AUTHORIZE' as \`draw_method\`, null as \`locked_to\`, \`status\`, \`amount\`, \`currency\`, \`gateway_currency\`, \`amount_authorized\`, \`amount_captured\`, \`amount_refunded\`, \`fee\`, \`test_mode\`, \`gateway_sequence\`, \`reconcile_at\`, \`reconcile_attempts\`, \`last_reconciled_at\`, \`last_reconcile_answer\`, \`created_at\`, \`updated_at\` from \`payments\`;`);
    this.addSql(`drop table \`payments\`;`);
    this.addSql(`alter table \`payments__temp_alter\` rename to \`payments\`;`);
    this.addSql(`create index \`payments_order_id_index\` on \`payments\` (\`order_id\`);`);
    this.addSql(`create index \`payments_payment_method_id_index\` on \`payments\` (\`payment_method_id\`);`);
    this.addSql(`create index \`payments_reconcile_at_index\` on \`payments\` (\`reconcile_at\`);`);
    this.addSql(`create unique index \`payments_gateway_reference_unique\` on \`payments\` (\`gateway\`, \`reference\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`status_transitions__temp_alter\` (\`id\` integer not null primary key autoincrement, \`subject\` text check (\`subject\` in ('CART', 'ORDER', 'PAYMENT', 'OUTBOX', 'GIFT_CARD')) not null, \`subject_id\` text not null, \`order_id\` text null, \`from_status\` text null, \`to_status\` text not null, \`trigger\` text not null, \`source\` text check (\`source\` in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'GATEWAY_RETURN', 'RECONCILER', 'BACK_OFFICE', 'WORKER')) not null, \`inbox_message_id\` integer null, \`detail\` text null, \`at\` datetime not null);`);
    this.addSql(`insert into \`status_transitions__temp_alter\` select \`id\`, \`subject\`, \`subject_id\`, \`order_id\`, \`from_status\`, \`to_status\`, \`trigger\`, \`source\`, \`inbox_message_id\`, \`detail\`, \`at\` from \`status_transitions\`;`);
    this.addSql(`drop table \`status_transitions\`;`);
    this.addSql(`alter table \`status_transitions__temp_alter\` rename to \`status_transitions\`;`);
    this.addSql(`create index \`status_transitions_order_id_index\` on \`status_transitions\` (\`order_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`payment_methods\`;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`payments__temp_alter\` (\`id\` TEXT not null primary key, \`order_id\` TEXT not null, \`gateway\` TEXT check (\`gateway\` in ('QUICKPAY')) not null, \`reference\` TEXT not null, \`gateway_payment_id\` TEXT null, \`status\` TEXT check (\`status\` in ('INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'REFUSED', 'CANCELLED', 'EXPIRED')) not null, \`amount\` bigint not null, \`currency\` TEXT not null, \`gateway_currency\` TEXT null, \`amount_authorized\` bigint not null default '0', \`amount_captured\` bigint not null default '0', \`amount_refunded\` bigint not null default '0', \`fee\` bigint not null default '0', \`test_mode\` INTEGER not null default false, \`gateway_sequence\` bigint not null default '0', \`created_at\` datetime not null, \`updated_at\` datetime not null, \`reconcile_at\` datetime null, \`reconcile_attempts\` INTEGER not null default 0, \`last_reconciled_at\` datetime null, \`last_reconcile_answer\` TEXT null);`);
    this.addSql(`insert into \`payments__temp_alter\` select \`id\`, \`order_id\`, \`gateway\`, \`reference\`, \`gateway_payment_id\`, \`status\`, \`amount\`, \`currency\`, \`gateway_currency\`, \`amount_authorized\`, \`amount_captured\`, \`amount_refunded\`, \`fee\`, \`test_mode\`, \`gateway_sequence\`, \`created_at\`, \`updated_at\`, \`reconcile_at\`, \`reconcile_attempts\`, \`last_reconciled_at\`, \`last_reconcile_answer\` from \`payments\`;`);
    this.addSql(`drop table \`payments\`;`);
    this.addSql(`alter table \`payments__temp_alter\` rename to \`payments\`;`);
    this.addSql(`create index \`payments_reconcile_at_index\` on \`payments\` (\`reconcile_at\`);`);
    this.addSql(`create unique index \`payments_gateway_reference_unique\` on \`payments\` (\`gateway\`, \`reference\`);`);
    this.addSql(`create index \`payments_order_id_index\` on \`payments\` (\`order_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`status_transitions__temp_alter\` (\`id\` integer not null primary key autoincrement, \`subject\` TEXT check (\`subject\` in ('CART', 'ORDER', 'PAYMENT', 'OUTBOX', 'GIFT_CARD')) not null, \`subject_id\` TEXT not null, \`order_id\` TEXT null, \`from_status\` TEXT null, \`to_status\` TEXT not null, \`trigger\` TEXT not null, \`source\` TEXT check (\`source\` in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE', 'WORKER')) not null, \`inbox_message_id\` INTEGER null, \`detail\` TEXT null, \`at\` datetime not null);`);
    this.addSql(`insert into \`status_transitions__temp_alter\` select \`id\`, \`subject\`, \`subject_id\`, \`order_id\`, \`from_status\`, \`to_status\`, \`trigger\`, \`source\`, \`inbox_message_id\`, \`detail\`, \`at\` from \`status_transitions\`;`);
    this.addSql(`drop table \`status_transitions\`;`);
    this.addSql(`alter table \`status_transitions__temp_alter\` rename to \`status_transitions\`;`);
    this.addSql(`create index \`status_transitions_order_id_index\` on \`status_transitions\` (\`order_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
