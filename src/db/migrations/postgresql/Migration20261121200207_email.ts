import { Migration } from '@mikro-orm/migrations';

export class Migration20261121200207_email extends Migration {

  override name = 'Migration20261121200207_email';

  override up(): void | Promise<void> {
    this.addSql(`alter table "orders" add "customer_email" varchar(254) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "orders" drop column "customer_email";`);
  }

}
