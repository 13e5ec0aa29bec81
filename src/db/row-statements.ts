/**
 * Plain SQL for the few writes on the hot paths (issue 7): a MikroORM `em.insert` builds a query through its
 * QueryBuilder, several times the cost of the statement itself on SQLite. These build the same rows with MikroORM's
 * own table and column names, to be run straight through its connection (so values are bound as everywhere else,
 * src/db/bound-parameters.ts, in the caller's transaction when there is one), alone or in a write batch
 * (write-batch.ts).
 */
import { JsonType, type EntityMetadata, type EntityName } from '@mikro-orm/core';
import type { Em } from './orm.js';

interface Column {
  column: string;
  json: boolean;
}

export interface Mapping {
  table: string;
  /** Property -> its column, and whether it holds JSON (stored properties of one column only). */
  columns: Map<string, Column>;
}
const mappings = new WeakMap<EntityMetadata, Mapping>();

/** `entity`'s table, and each of its stored properties' column, worked out once per metadata. */
export function mapping(em: Em, entity: EntityName): Mapping {
  const meta = em.getMetadata().find(entity)!;
  let found = mappings.get(meta);
  if (!found) {
    const columns = new Map<string, Column>();
    for (const p of meta.props) {
      if (p.persist !== false && p.fieldNames?.length === 1) columns.set(p.name, { column: p.fieldNames[0], json: p.customType instanceof JsonType });
    }
    mappings.set(meta, (found = { table: meta.tableName, columns }));
  }
  return found;
}

/** `prop`'s column in `m`; a property with no column of its own is a programming error. */
function columnOf(m: Mapping, prop: string): Column {
  const c = m.columns.get(prop);
  if (!c) throw new Error(`${m.table} has no column for ${prop}`);
  return c;
}

/** A property's value as its column holds it: JSON columns as JSON text (arrays included), the rest as they are. */
const columnValue = (value: unknown, json: boolean) => (json && value !== null && value !== undefined ? JSON.stringify(value) : value);

export interface InsertOptions {
  /** `on conflict (column) do nothing`: a row whose key exists is left alone, and not returned. */
  ignoreConflictOn?: string;
  /**
   * `on conflict (column) do update set … where …`: a row whose key exists is updated instead, and returned only
   * when `where` (SQL over the existing row, under the table's own name, with `?` and its values) holds for it.
   * `set` maps each property to update either to `'new'` (the value this insert carries) or to a SQL expression.
   */
  updateConflictOn?: { key: string; set: Record<string, 'new' | SqlExpression>; where?: { sql: string; values: unknown[] } };
  /** A property to hand back for each row inserted (`returning`). */
  returning?: string;
}

/** A statement with `?` for its values; `returning` names the column it hands back, if any. */
export interface Statement {
  sql: string;
  values: unknown[];
  returning?: string;
}

/** The statement that inserts `rows` of `entity` (property names, all rows with the same ones). */
export function insertStatement<T extends object>(em: Em, entity: EntityName<T>, rows: readonly Partial<Record<keyof T & string, unknown>>[], options: InsertOptions = {}): Statement {
  const m = mapping(em, entity);
  const q = (id: string) => em.getPlatform().quoteIdentifier(id);
  const props = Object.keys(rows[0]);
  const columns = props.map((prop) => columnOf(m, prop));
  const values = rows.flatMap((row) => props.map((prop, i) => columnValue((row as Record<string, unknown>)[prop], columns[i].json)));
  const tuple = `(${props.map(() => '?').join(', ')})`;
  let sql = `insert into ${q(m.table)} (${columns.map((c) => q(c.column)).join(', ')}) values ${rows.map(() => tuple).join(', ')}`;
  if (options.ignoreConflictOn) sql += ` on conflict (${q(columnOf(m, options.ignoreConflictOn).column)}) do nothing`;
  const upsert = options.updateConflictOn;
  if (upsert) {
    const set = Object.entries(upsert.set).map(([prop, to]) => {
      const column = q(columnOf(m, prop).column);
      return `${column} = ${to === 'new' ? `excluded.${column}` : to.sql}`;
    });
    sql += ` on conflict (${q(columnOf(m, upsert.key).column)}) do update set ${set.join(', ')}`;
    if (upsert.where) {
      sql += ` where ${upsert.where.sql}`;
      values.push(...upsert.where.values);
    }
  }
  const returning = options.returning === undefined ? undefined : columnOf(m, options.returning).column;
  if (returning) sql += ` returning ${q(returning)}`;
  return { sql, values, returning };
}

/** Runs `statement` in `em`'s transaction, if any; returns the rows it hands back (none without `returning`). */
export async function runStatement(em: Em, { sql, values, returning }: Statement): Promise<Record<string, unknown>[]> {
  const connection = em.getConnection();
  if (returning) return connection.execute<Record<string, unknown>[]>(sql, values, 'all', em.getTransactionContext());
  await connection.execute(sql, values, 'run', em.getTransactionContext());
  return [];
}

class SqlExpression {
  constructor(readonly sql: string) {}
}

/** A value written as SQL (`attempts + 1`), in an upsert's `set`; never from input. */
export const sqlExpression = (sql: string) => new SqlExpression(sql);
