import { Migration } from '@mikro-orm/migrations';

export class Migration20261122033929_payment_operations extends Migration {

  override name = 'Migration20261122033929_payment_operations';

  override up(): void | Promise<void> {
    this.addSql(`create table \`payment_operations\` (\`id\` text not null primary key, \`payment_id\` text not null, \`order_id\` text not null, \`kind\` text check (\`kind\` in ('CAPTURE', 'REFUND', 'CANCEL', 'RECURRING')) not null, \`amount\` bigint not null, \`status\` text check (\`status\` in ('REQUESTED', 'SUCCEEDED', 'FAILED')) not null, \`idempotency_key\` text null, \`requested_by\` text check (\`requested_by\` in ('BACK_OFFICE', 'WORKER', 'GATEWAY')) not null, \`reason\` text null, \`gateway_operation_id\` text null, \`answer\` text null, \`created_at\` datetime not null, \`settled_at\` datetime null);`);
    this.addSql(`create index \`payment_operations_payment_id_index\` on \`payment_operations\` (\`payment_id\`);`);
    this.addSql(`create unique index \`payment_operations_payment_id_idempotency_key_unique\` on \`payment_operations\` (\`payment_id\`, \`idempotency_key\`);`);
    this.addSql(`create unique index \`payment_operations_payment_id_gateway_operation_id_unique\` on \`payment_operations\` (\`payment_id\`, \`gateway_operation_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`payment_operations\`;`);
  }

}
