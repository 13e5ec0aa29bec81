/**
 * MikroORM writes each changed entity at flush with `nativeUpdate`, which builds the statement through its
 * QueryBuilder: on a callback that makes an order ready (one order, one payment) that build cost more than the two
 * statements themselves (issue 7). The common case, one row by its primary key with plain column values, is written
 * here directly: the same `update table set column = ? … where pk = ?`, the values mapped to columns by MikroORM's
 * own `mapDataToFieldNames` (what its QueryBuilder calls), run on the same connection and transaction, errors
 * converted the same way (`rethrow`). Anything else (upserts, composite or unusual keys, version or generated columns,
 * relations, raw SQL values, other schemas) goes to MikroORM's own path unchanged.
 *
 * Inside {@link withDeferredUpdates}, these updates are not run but handed to a write batch (write-batch.ts), which
 * a lineage transaction sends with its other writes at its end: on PostgreSQL in the same statement.
 */
import { isRaw, ReferenceKind, type EntityDictionary, type EntityProperty, type EntityMetadata, type EntityName, type FilterQuery, type NativeInsertUpdateOptions, type QueryResult, type UpsertOptions } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/sql';
import type { Em } from './orm.js';
import type { Statement } from './row-statements.js';

// A mixin's base takes its driver's own constructor arguments, whatever they are.
type DriverClass = new (...args: any[]) => AbstractSqlDriver;

/** What MikroORM's `nativeUpdate` is given. */
type UpdateOptions<T extends object> = NativeInsertUpdateOptions<T> & UpsertOptions<T>;

/** Where the plain updates of a transaction go instead of running, while a {@link withDeferredUpdates} runs. */
const deferredTo = new WeakMap<object, { add(statement: Statement): void }>();

/**
 * Runs `work` (a flush) with the plain updates it makes in `em`'s transaction handed to `batch` rather than run.
 * The rows exist and are locked (the lineage's), so each such update changes its one row, which is what the unit of
 * work is told; the batch must then be run in the same transaction.
 */
export async function withDeferredUpdates<T>(em: Em, batch: { add(statement: Statement): void }, work: () => Promise<T>): Promise<T> {
  const ctx = em.getTransactionContext();
  if (!ctx) throw new Error('updates can be deferred only inside a transaction');
  deferredTo.set(ctx, batch);
  try {
    return await work();
  } finally {
    deferredTo.delete(ctx);
  }
}

/** Whether an entity's rows can be updated by primary key with nothing to read back, worked out once per metadata. */
const plainTables = new WeakMap<EntityMetadata, boolean>();

function isPlainTable(meta: EntityMetadata): boolean {
  let plain = plainTables.get(meta);
  if (plain === undefined) {
    plain =
      meta.primaryKeys.length === 1 &&
      meta.properties[meta.primaryKeys[0]].fieldNames.length === 1 &&
      !meta.inheritanceType &&
      !meta.schema &&
      // MikroORM reads these back after an update (`returning`), or checks how many rows it changed; its own path
      // does that.
      !meta.props.some((p) => p.version || p.concurrencyCheck || (p.generated && !p.primary));
    plainTables.set(meta, plain);
  }
  return plain;
}

/** The primary key `where` names, when it names exactly one row by a plain key; undefined otherwise. */
function keyOf(meta: EntityMetadata, where: unknown): string | number | undefined {
  const key = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : undefined);
  if (typeof where !== 'object' || where === null) return key(where);
  const keys = Object.keys(where);
  if (keys.length !== 1 || keys[0] !== meta.primaryKeys[0] || Object.getOwnPropertySymbols(where).length > 0) return undefined;
  return key((where as Record<string, unknown>)[keys[0]]);
}

/** `Base` with the common update by primary key written directly (see the file's comment). */
export function withPlainUpdates<B extends DriverClass>(Base: B): B {
  class PlainUpdates extends Base {
    override async nativeUpdate<T extends object>(entityName: EntityName<T>, where: FilterQuery<T>, data: EntityDictionary<T>, options: UpdateOptions<T> = {}): Promise<QueryResult<T>> {
      const statement = this.plainUpdate(entityName, where, data, options);
      if (!statement) return super.nativeUpdate(entityName, where, data, options);
      const batch = options.ctx ? deferredTo.get(options.ctx) : undefined;
      if (batch) {
        batch.add(statement);
        return { affectedRows: 1, insertId: 0 as QueryResult<T>['insertId'], row: {}, rows: [] };
      }
      return this.rethrow(this.getConnection('write').execute<QueryResult<T>>(statement.sql, statement.values, 'run', options.ctx, options.loggerContext));
    }

    /** The plain statement for this update, or undefined when MikroORM's own path must write it. */
    private plainUpdate<T extends object>(entityName: EntityName<T>, where: FilterQuery<T>, data: EntityDictionary<T>, options: UpdateOptions<T>): Statement | undefined {
      if (options.upsert || options.unionWhere?.length) return undefined;
      const meta = this.metadata.find(entityName);
      if (!meta || !isPlainTable(meta)) return undefined;
      // The unit of work names the default schema (PostgreSQL's `public`); a table in any other is left to MikroORM.
      const schema = this.getSchemaName(meta, options);
      if (schema && schema !== this.platform.getDefaultSchemaName()) return undefined;
      const key = keyOf(meta, where);
      if (key === undefined) return undefined;
      const props = Object.keys(data);
      if (props.length === 0 || Object.getOwnPropertySymbols(data).length > 0) return undefined;
      for (const name of props) {
        const prop = (meta.properties as Record<string, EntityProperty>)[name];
        if (!prop || prop.kind !== ReferenceKind.SCALAR || prop.fieldNames?.length !== 1 || isRaw((data as Record<string, unknown>)[name])) return undefined;
      }
      const columns = this.mapDataToFieldNames(data, true, meta.properties, options.convertCustomTypes ?? true);
      const q = (id: string) => this.platform.quoteIdentifier(id);
      const names = Object.keys(columns);
      return {
        sql: `update ${q(meta.tableName)} set ${names.map((c) => `${q(c)} = ?`).join(', ')} where ${q(meta.properties[meta.primaryKeys[0]].fieldNames[0])} = ?`,
        values: [...names.map((c) => columns[c]), key],
      };
    }
  }
  return PlainUpdates;
}
