import { Migration } from '@mikro-orm/migrations';

export class Migration20261121203710_shop_webhooks extends Migration {

  override name = 'Migration20261121203710_shop_webhooks';

  override up(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`outbox_messages__temp_alter\` (\`id\` integer not null primary key autoincrement, \`topic\` text check (\`topic\` in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP', 'PENDING_PAYMENT_ALERT', 'SHOP_WEBHOOK')) not null, \`dedup_key\` text not null, \`order_id\` text null, \`payload\` json not null, \`status\` text check (\`status\` in ('PENDING', 'DONE', 'FAILED')) not null, \`attempts\` integer not null default 0, \`next_attempt_at\` datetime not null, \`last_error\` text null, \`lease_owner\` text null, \`lease_expires_at\` datetime null, \`created_at\` datetime not null, \`done_at\` datetime null);`);
    this.addSql(`insert into \`outbox_messages__temp_alter\` select \`id\`, \`topic\`, \`dedup_key\`, \`order_id\`, \`payload\`, \`status\`, \`attempts\`, \`next_attempt_at\`, \`last_error\`, \`lease_owner\`, \`lease_expires_at\`, \`created_at\`, \`done_at\` from \`outbox_messages\`;`);
    this.addSql(`drop table \`outbox_messages\`;`);
    this.addSql(`alter table \`outbox_messages__temp_alter\` rename to \`outbox_messages\`;`);
    this.addSql(`create unique index \`outbox_messages_dedup_key_unique\` on \`outbox_messages\` (\`dedup_key\`);`);
    this.addSql(`create index \`outbox_messages_order_id_index\` on \`outbox_messages\` (\`order_id\`);`);
    this.addSql(`create index \`outbox_messages_status_index\` on \`outbox_messages\` (\`status\`);`);
    this.addSql(`create index \`outbox_messages_status_next_attempt_at_index\` on \`outbox_messages\` (\`status\`, \`next_attempt_at\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`outbox_messages__temp_alter\` (\`id\` integer not null primary key autoincrement, \`topic\` TEXT check (\`topic\` in ('DECREMENT_STOCK', 'REDEEM_COUPONS', 'REDEEM_GIFT_CARDS', 'SEND_CONFIRMATION_EMAIL', 'EXPORT_ORDER', 'VOID_PAYMENT', 'NOTIFY_SHOP', 'PENDING_PAYMENT_ALERT')) not null, \`dedup_key\` TEXT not null, \`order_id\` TEXT null, \`payload\` json not null, \`status\` TEXT check (\`status\` in ('PENDING', 'DONE', 'FAILED')) not null, \`attempts\` INTEGER not null default 0, \`next_attempt_at\` datetime not null, \`last_error\` TEXT null, \`lease_owner\` TEXT null, \`lease_expires_at\` datetime null, \`created_at\` datetime not null, \`done_at\` datetime null);`);
    this.addSql(`insert into \`outbox_messages__temp_alter\` select \`id\`, \`topic\`, \`dedup_key\`, \`order_id\`, \`payload\`, \`status\`, \`attempts\`, \`next_attempt_at\`, \`last_error\`, \`lease_owner\`, \`lease_expires_at\`, \`created_at\`, \`done_at\` from \`outbox_messages\`;`);
    this.addSql(`drop table \`outbox_messages\`;`);
    this.addSql(`alter table \`outbox_messages__temp_alter\` rename to \`outbox_messages\`;`);
    this.addSql(`create index \`outbox_messages_status_next_attempt_at_index\` on \`outbox_messages\` (\`status\`, \`next_attempt_at\`);`);
    this.addSql(`create index \`outbox_messages_status_index\` on \`outbox_messages\` (\`status\`);`);
    this.addSql(`create index \`outbox_messages_order_id_index\` on \`outbox_messages\` (\`order_id\`);`);
    this.addSql(`create unique index \`outbox_messages_dedup_key_unique\` on \`outbox_messages\` (\`dedup_key\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
