import { Migration } from '@mikro-orm/migrations';

export class Migration20261121181624_money_and_raw_bodies extends Migration {

  override name = 'Migration20261121181624_money_and_raw_bodies';

  // Edited by hand: bodies kept so far were text; `text::bytea` would read their backslashes as escapes, so they
  // are converted as the UTF-8 bytes they were received as.
  override up(): void | Promise<void> {
    this.addSql(`alter table "coupons" alter column "value" type bigint using ("value"::bigint);`);

    this.addSql(`alter table "gift_cards" alter column "balance" type bigint using ("balance"::bigint);`);
    this.addSql(`alter table "gift_cards" alter column "locked_amount" type bigint using ("locked_amount"::bigint);`);
    this.addSql(`alter table "gift_cards" alter column "locked_amount" set default '0';`);

    this.addSql(`alter table "inbox_messages" drop constraint "inbox_messages_status_check";`);
    this.addSql(`alter table "inbox_messages" alter column "body" type bytea using (convert_to("body", 'UTF8'));`);
    this.addSql(`create index "inbox_messages_status_received_at_index" on "inbox_messages" ("status", "received_at");`);
    this.addSql(`alter table "inbox_messages" add constraint "inbox_messages_status_check" check ("status" in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'FAILED', 'REJECTED'));`);

    this.addSql(`alter table "orders" alter column "subtotal" type bigint using ("subtotal"::bigint);`);
    this.addSql(`alter table "orders" alter column "discount_total" type bigint using ("discount_total"::bigint);`);
    this.addSql(`alter table "orders" alter column "gift_card_total" type bigint using ("gift_card_total"::bigint);`);
    this.addSql(`alter table "orders" alter column "total" type bigint using ("total"::bigint);`);

    this.addSql(`alter table "payments" alter column "amount" type bigint using ("amount"::bigint);`);
    this.addSql(`alter table "payments" alter column "amount_authorized" type bigint using ("amount_authorized"::bigint);`);
    this.addSql(`alter table "payments" alter column "amount_authorized" set default '0';`);
    this.addSql(`alter table "payments" alter column "amount_captured" type bigint using ("amount_captured"::bigint);`);
    this.addSql(`alter table "payments" alter column "amount_captured" set default '0';`);
    this.addSql(`alter table "payments" alter column "amount_refunded" type bigint using ("amount_refunded"::bigint);`);
    this.addSql(`alter table "payments" alter column "amount_refunded" set default '0';`);
    this.addSql(`alter table "payments" alter column "fee" type bigint using ("fee"::bigint);`);
    this.addSql(`alter table "payments" alter column "fee" set default '0';`);
    this.addSql(`alter table "payments" alter column "gateway_sequence" type bigint using ("gateway_sequence"::bigint);`);
    this.addSql(`alter table "payments" alter column "gateway_sequence" set default '0';`);

    this.addSql(`alter table "products" alter column "unit_price" type bigint using ("unit_price"::bigint);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "coupons" alter column "value" type int4 using ("value"::int4);`);

    this.addSql(`alter table "gift_cards" alter column "balance" type int4 using ("balance"::int4);`);
    this.addSql(`alter table "gift_cards" alter column "locked_amount" type int4 using ("locked_amount"::int4);`);
    this.addSql(`alter table "gift_cards" alter column "locked_amount" set default 0;`);

    this.addSql(`drop index "inbox_messages_status_received_at_index";`);
    this.addSql(`alter table "inbox_messages" drop constraint "inbox_messages_status_check";`);
    this.addSql(`alter table "inbox_messages" alter column "body" type text using (convert_from("body", 'UTF8'));`);
    this.addSql(`alter table "inbox_messages" add constraint "inbox_messages_status_check" check ("status" in ('RECEIVED', 'PROCESSED', 'IGNORED', 'UNMATCHED', 'REJECTED'));`);

    this.addSql(`alter table "orders" alter column "subtotal" type int4 using ("subtotal"::int4);`);
    this.addSql(`alter table "orders" alter column "discount_total" type int4 using ("discount_total"::int4);`);
    this.addSql(`alter table "orders" alter column "gift_card_total" type int4 using ("gift_card_total"::int4);`);
    this.addSql(`alter table "orders" alter column "total" type int4 using ("total"::int4);`);

    this.addSql(`alter table "payments" alter column "amount" type int4 using ("amount"::int4);`);
    this.addSql(`alter table "payments" alter column "amount_authorized" type int4 using ("amount_authorized"::int4);`);
    this.addSql(`alter table "payments" alter column "amount_authorized" set default 0;`);
    this.addSql(`alter table "payments" alter column "amount_captured" type int4 using ("amount_captured"::int4);`);
    this.addSql(`alter table "payments" alter column "amount_captured" set default 0;`);
    this.addSql(`alter table "payments" alter column "amount_refunded" type int4 using ("amount_refunded"::int4);`);
    this.addSql(`alter table "payments" alter column "amount_refunded" set default 0;`);
    this.addSql(`alter table "payments" alter column "fee" type int4 using ("fee"::int4);`);
    this.addSql(`alter table "payments" alter column "fee" set default 0;`);
    this.addSql(`alter table "payments" alter column "gateway_sequence" type int4 using ("gateway_sequence"::int4);`);
    this.addSql(`alter table "payments" alter column "gateway_sequence" set default 0;`);

    this.addSql(`alter table "products" alter column "unit_price" type int4 using ("unit_price"::int4);`);
  }

}
