import { Migration } from '@mikro-orm/migrations';

export class Migration20261121200206_email extends Migration {

  override name = 'Migration20261121200206_email';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`orders\` add column \`customer_email\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`orders\` drop column \`customer_email\`;`);
  }

}
