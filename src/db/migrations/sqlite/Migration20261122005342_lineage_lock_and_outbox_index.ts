import { Migration } from '@mikro-orm/migrations';

export class Migration20261122005342_lineage_lock_and_outbox_index extends Migration {

  override name = 'Migration20261122005342_lineage_lock_and_outbox_index';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`carts\` drop column \`lock_version\`;`);

    this.addSql(`drop index \`outbox_messages_status_index\`;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`carts\` add column \`lock_version\` INTEGER not null default 0;`);

    this.addSql(`create index \`outbox_messages_status_index\` on \`outbox_messages\` (\`status\`);`);
  }

}
