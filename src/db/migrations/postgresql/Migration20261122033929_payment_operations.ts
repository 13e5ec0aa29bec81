import { Migration } from '@mikro-orm/migrations';

export class Migration20261122033929_payment_operations extends Migration {

  override name = 'Migration20261122033929_payment_operations';

  override up(): void | Promise<void> {
    this.addSql(`create table "payment_operations" ("id" varchar(36) not null, "payment_id" varchar(36) not null, "order_id" varchar(36) not null, "kind" text not null, "amount" bigint not null, "status" text not null, "idempotency_key" varchar(100) null, "requested_by" text not null, "reason" varchar(500) null, "gateway_operation_id" varchar(64) null, "answer" varchar(500) null, "created_at" timestamptz not null, "settled_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "payment_operations_payment_id_index" on "payment_operations" ("payment_id");`);
    this.addSql(`alter table "payment_operations" add constraint "payment_operations_payment_id_idempotency_key_unique" unique ("payment_id", "idempotency_key");`);
    this.addSql(`alter table "payment_operations" add constraint "payment_operations_payment_id_gateway_operation_id_unique" unique ("payment_id", "gateway_operation_id");`);

    this.addSql(`alter table "payment_operations" add constraint "payment_operations_kind_check" check ("kind" in ('CAPTURE', 'REFUND', 'CANCEL', 'RECURRING'));`);
    this.addSql(`alter table "payment_operations" add constraint "payment_operations_status_check" check ("status" in ('REQUESTED', 'SUCCEEDED', 'FAILED'));`);
    this.addSql(`alter table "payment_operations" add constraint "payment_operations_requested_by_check" check ("requested_by" in ('BACK_OFFICE', 'WORKER', 'GATEWAY'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "payment_operations" cascade;`);
  }

}
