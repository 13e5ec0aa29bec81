import { Migration } from '@mikro-orm/migrations';

export class Migration20261121180456_health_probes extends Migration {

  override name = 'Migration20261121180456_health_probes';

  override up(): void | Promise<void> {
    this.addSql(`create table \`health_probes\` (\`instance\` text not null primary key, \`checked_at\` datetime not null);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`health_probes\`;`);
  }

}
