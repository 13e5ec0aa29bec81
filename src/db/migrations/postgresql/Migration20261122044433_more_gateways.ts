import { Migration } from '@mikro-orm/migrations';

export class Migration20261122044433_more_gateways extends Migration {

  override name = 'Migration20261122044433_more_gateways';

  override up(): void | Promise<void> {
    this.addSql(`alter table "inbox_messages" drop constraint "inbox_messages_gateway_check";`);
    this.addSql(`alter table "inbox_messages" add constraint "inbox_messages_gateway_check" check ("gateway" in ('QUICKPAY', 'LYRA', 'STRIPE'));`);

    this.addSql(`alter table "payments" drop constraint "payments_gateway_check";`);
    this.addSql(`alter table "payments" add constraint "payments_gateway_check" check ("gateway" in ('QUICKPAY', 'LYRA', 'STRIPE'));`);

    this.addSql(`alter table "payment_methods" drop constraint "payment_methods_gateway_check";`);
    this.addSql(`alter table "payment_methods" add constraint "payment_methods_gateway_check" check ("gateway" in ('QUICKPAY', 'LYRA', 'STRIPE'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "inbox_messages" drop constraint "inbox_messages_gateway_check";`);
    this.addSql(`alter table "inbox_messages" add constraint "inbox_messages_gateway_check" check ("gateway" in ('QUICKPAY'));`);

    this.addSql(`alter table "payment_methods" drop constraint "payment_methods_gateway_check";`);
    this.addSql(`alter table "payment_methods" add constraint "payment_methods_gateway_check" check ("gateway" in ('QUICKPAY'));`);

    this.addSql(`alter table "payments" drop constraint "payments_gateway_check";`);
    this.addSql(`alter table "payments" add constraint "payments_gateway_check" check ("gateway" in ('QUICKPAY'));`);
  }

}
