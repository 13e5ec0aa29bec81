/**
 * The statements that open a lineage and read its order with its payment, written once so the hot paths (a
 * gateway's callback, the shopper's redirect) spend as few as they can (issue 7): the claim finds the lineage by the
 * order or payment it is asked about, in the same statement that locks it, and an order is read together with its
 * payment: on PostgreSQL in one statement after the claim, on SQLite in the claim itself. Rows are handed to
 * MikroORM's identity map (`em.map`), so later `findOne`s by id cost nothing.
 */
import type { EntityName } from '@mikro-orm/core';
import { DatabaseKind } from '../../config/config.js';
import type { Em } from '../../db/orm.js';
import { mapping } from '../../db/row-statements.js';
import type { GatewayName } from '../../gateways/gateway.js';
import { Cart } from '../cart/cart.entity.js';
import { Order } from '../order/order.entity.js';
import { Payment } from '../payment/payment.entity.js';

/** Which lineage to open: the one a cart roots, an order's, or the one of a payment known by its gateway reference. */
export type LineageOf = { cartId: string } | { orderId: string } | { gateway: GatewayName; reference: string };

/** The SQL (with `?` for its values) that picks the lineage's cart id. */
function cartIdOf(of: LineageOf): { sql: string; values: string[] } {
  if ('cartId' in of) return { sql: '?', values: [of.cartId] };
  if ('orderId' in of) return { sql: '(select o.cart_id from orders o where o.id = ?)', values: [of.orderId] };
  return { sql: '(select o.cart_id from payments p join orders o on o.id = p.order_id where p.gateway = ? and p.reference = ?)', values: [of.gateway, of.reference] };
}

/** What a claim read: the lineage's cart row and, when the claim could read them with it, its order's and payment's. */
export interface Claimed {
  cartRow: Record<string, unknown>;
  orderRows?: { order: Record<string, unknown>; payment: Record<string, unknown> };
}

/**
 * Claims the lineage and reads its cart row (null when nothing matches). PostgreSQL locks the cart row (`for
 * update`). On SQLite it is a plain read: within one process transactions take turns on the one connection, and
 * between processes SQLite itself serialises them. The read begins the transaction's snapshot, and SQLite lets a
 * transaction write only if nobody committed since its snapshot began (otherwise its first write fails with
 * SQLITE_BUSY_SNAPSHOT, or SQLITE_BUSY while another writer is at work, and the TransitionService runs it again), so
 * what it read is still true when it writes. For the same reason the SQLite claim of an order's or a payment's
 * lineage reads that order and its payment in the same statement; on PostgreSQL they are read after the lock (see
 * {@link loadOrderWithPayment}).
 */
export async function claim(em: Em, kind: DatabaseKind, of: LineageOf): Promise<Claimed | null> {
  if (kind === DatabaseKind.SQLITE && !('cartId' in of)) {
    const rows = await pairRows(em, of, true);
    return rows ? { cartRow: rows.cart!, orderRows: { order: rows.order, payment: rows.payment } } : null;
  }
  const { sql, values } = cartIdOf(of);
  const [row] = await em
    .getConnection()
    .execute<Record<string, unknown>[]>(`select * from carts where id = ${sql}${kind === DatabaseKind.POSTGRESQL ? ' for update' : ''}`, values, 'all', em.getTransactionContext());
  return row ? { cartRow: row } : null;
}

/**
 * Reads an order's row with its payment's (by the order's id or the payment's gateway reference), and its cart's
 * too when `withCart`, in one statement; null when there is no such pair.
 */
async function pairRows(
  em: Em,
  of: { orderId: string } | { gateway: GatewayName; reference: string },
  withCart: boolean,
): Promise<{ cart?: Record<string, unknown>; order: Record<string, unknown>; payment: Record<string, unknown> } | null> {
  const where = 'orderId' in of ? { sql: 'o.id = ?', values: [of.orderId] } : { sql: 'p.gateway = ? and p.reference = ?', values: [of.gateway, of.reference] };
  const c = withCart ? aliased(em, Cart, 'c') : undefined;
  const o = aliased(em, Order, 'o');
  const p = aliased(em, Payment, 'p');
  const select = [...(c?.select ?? []), ...o.select, ...p.select].join(', ');
  const [row] = await em
    .getConnection()
    .execute<Record<string, unknown>[]>(
      `select ${select} from orders o join payments p on p.order_id = o.id${c ? ' join carts c on c.id = o.cart_id' : ''} where ${where.sql} limit 1`,
      where.values,
      'all',
      em.getTransactionContext(),
    );
  if (!row) return null;
  return { cart: c && part(row, c), order: part(row, o), payment: part(row, p) };
}

/** The columns of a table, as read into one result row beside another table's: `alias.column as alias__column`. */
interface Aliased {
  select: string[];
  /** Result column -> the table's own column name. */
  columns: [aliased: string, column: string][];
}
const aliasedColumns = new WeakMap<object, Map<string, Aliased>>();

/** `entity`'s columns under `alias`, worked out once per metadata. */
function aliased(em: Em, entity: EntityName, alias: string): Aliased {
  const meta = em.getMetadata().find(entity)!;
  let byAlias = aliasedColumns.get(meta);
  if (!byAlias) aliasedColumns.set(meta, (byAlias = new Map()));
  let found = byAlias.get(alias);
  if (!found) {
    const columns = [...mapping(em, entity).columns.values()].map((c) => c.column);
    found = { select: columns.map((c) => `${alias}.${c} as ${alias}__${c}`), columns: columns.map((c) => [`${alias}__${c}`, c]) };
    byAlias.set(alias, found);
  }
  return found;
}

/** The columns of `row` that came from one table, under their own names. */
function part(row: Record<string, unknown>, { columns }: Aliased): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const [name, column] of columns) own[column] = row[name];
  return own;
}

/**
 * Reads an order with its payment in one statement (by the order's id or the payment's gateway reference), as
 * managed entities of `em`; null when there is no such pair. Call it under the lineage's lock.
 */
export async function loadOrderWithPayment(em: Em, of: { orderId: string } | { gateway: GatewayName; reference: string }): Promise<{ order: Order; payment: Payment } | null> {
  const rows = await pairRows(em, of, false);
  return rows ? { order: em.map(Order, rows.order), payment: em.map(Payment, rows.payment) } : null;
}
