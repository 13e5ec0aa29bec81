import { Migration } from '@mikro-orm/migrations';

export class Migration20261122025709_payment_methods extends Migration {

  override name = 'Migration20261122025709_payment_methods';

  override up(): void | Promise<void> {
    this.addSql(`create table "payment_methods" ("id" varchar(36) not null, "code" varchar(40) not null, "name" varchar(100) not null, "gateway" text not null, "test_cards_allowed" boolean not null default false, "draw_method" text not null, "gateway_fee_allowed" boolean not null default false, "locked_to" varchar(200) null, "visible" boolean not null default true, "position" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "payment_methods" add constraint "payment_methods_code_unique" unique ("code");`);

    this.addSql(`alter table "payments" add "payment_method_id" varchar(36) null, add "gateway_data" jsonb null, add "test_cards_allowed" boolean not null default false, add "gateway_fee_allowed" boolean not null default false, add "draw_method" text not null default 'AUTHORIZE', add "locked_to" varchar(200) null;`);
    this.addSql(`create index "payments_payment_method_id_index" on "payments" ("payment_method_id");`);
    this.addSql(`alter table "payments" add constraint "payments_draw_method_check" check ("draw_method" in ('AUTHORIZE', 'SUBSCRIPTION'));`);

    this.addSql(`alter table "status_transitions" drop constraint "status_transitions_source_check";`);
    this.addSql(`alter table "status_transitions" add constraint "status_transitions_source_check" check ("source" in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'GATEWAY_RETURN', 'RECONCILER', 'BACK_OFFICE', 'WORKER'));`);

    this.addSql(`alter table "payment_methods" add constraint "payment_methods_gateway_check" check ("gateway" in ('QUICKPAY'));`);
    this.addSql(`alter table "payment_methods" add constraint "payment_methods_draw_method_check" check ("draw_method" in ('AUTHORIZE', 'SUBSCRIPTION'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "payment_methods" cascade;`);

    this.addSql(`drop index "payments_payment_method_id_index";`);
    this.addSql(`alter table "payments" drop constraint "payments_draw_method_check";`);
    this.addSql(`alter table "payments" drop column "payment_method_id", drop column "gateway_data", drop column "test_cards_allowed", drop column "gateway_fee_allowed", drop column "draw_method", drop column "locked_to";`);

    this.addSql(`alter table "status_transitions" drop constraint "status_transitions_source_check";`);
    this.addSql(`alter table "status_transitions" add constraint "status_transitions_source_check" check ("source" in ('STOREFRONT', 'SHOPPER_REDIRECT', 'GATEWAY_NOTIFICATION', 'RECONCILER', 'BACK_OFFICE', 'WORKER'));`);
  }

}
