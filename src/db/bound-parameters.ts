/**
 * Values as bound parameters, with each statement prepared once (issue 7), on SQLite and PostgreSQL.
 *
 * MikroORM 7 writes every value into the SQL text (`platform.formatQuery`) and hands Kysely a statement without
 * parameters, so the database parses and plans each statement anew: no two texts are alike. Here the platform's
 * top-level `formatQuery` keeps placeholders (`?` on SQLite, `$1`, `$2`… on PostgreSQL) and hands the values along
 * with the text (a `BoundSql`); our connections bind them and prepare each distinct text once (sqlite-dialect.ts,
 * postgresql-driver.ts). What MikroORM would have written inline is bound as the same value: on SQLite booleans as
 * 1/0 and dates as milliseconds, on PostgreSQL dates as the text MikroORM writes; objects as JSON; arrays as one
 * placeholder per element. Identifiers (`??`) and raw fragments nested in a value stay inline, as MikroORM writes
 * them; a BoundSql read as a plain string (a log line) is its text with placeholders.
 */
import { isRaw, JsonProperty, Utils } from '@mikro-orm/core';

type BoundValue = string | number | bigint | boolean | Buffer | null;

const PARAMETERS = Symbol('bound parameters');

/** SQL text with `?` placeholders and the values bound to them. */
export type BoundSql = string & { readonly [PARAMETERS]: BoundValue[] };

/** The statement and its values when `sql` is a BoundSql; null for a plain string (values written inline). */
export function boundParameters(sql: unknown): { text: string; values: BoundValue[] } | null {
  if (typeof sql !== 'object' || sql === null || !(PARAMETERS in sql)) return null;
  return { text: String(sql), values: (sql as BoundSql)[PARAMETERS] };
}

interface FormattingPlatform {
  formatQuery(sql: string, params: readonly unknown[]): string;
  quoteIdentifier(id: string): string;
  formatDate?(date: Date): string;
}

/** How one database takes bound values: its placeholder for the n-th value (from 1), and the value itself. */
interface BindingStyle {
  placeholder(n: number): string;
  value(value: unknown): BoundValue;
}

const SQLITE: BindingStyle = { placeholder: () => '?', value: sqliteValue };
const postgresql = (platform: FormattingPlatform): BindingStyle => ({ placeholder: (n) => `$${n}`, value: (v) => postgresqlValue(v, platform) });

/**
 * Makes `platform` (MikroORM's platform for `kind`, changed in place) hand values along instead of writing them in.
 */
export function bindParametersOn(platform: FormattingPlatform, kind: 'sqlite' | 'postgresql'): void {
  const style = kind === 'sqlite' ? SQLITE : postgresql(platform);
  const inline = platform.formatQuery.bind(platform);
  platform.formatQuery = (sql, params) => {
    if (params.length === 0) return sql;
    const values: BoundValue[] = [];
    let text = '';
    let next = 0;
    let pos = 0;
    // The same walk as MikroORM's Platform.formatQuery: `\?` is a literal question mark, `??` an identifier.
    while (pos < sql.length) {
      const at = sql.indexOf('?', pos);
      if (at === -1) {
        text += sql.slice(pos);
        break;
      }
      if (at > 0 && sql[at - 1] === '\\') {
        text += `${sql.slice(pos, at - 1)}?`;
        pos = at + 1;
      } else if (sql[at + 1] === '?') {
        text += sql.slice(pos, at) + platform.quoteIdentifier(params[next++] as string);
        pos = at + 2;
      } else {
        text += sql.slice(pos, at) + placeholder(params[next++], values, style, inline);
        pos = at + 1;
      }
    }
    return Object.assign(new String(text), { [PARAMETERS]: values }) as unknown as BoundSql;
  };
}

/** The placeholder text for `value`, its values appended to `values`; a raw fragment is written inline. */
function placeholder(value: unknown, values: BoundValue[], style: BindingStyle, inline: (sql: string, params: readonly unknown[]) => string): string {
  if (isRaw(value)) return inline(value.sql, value.params);
  // An array is a list (`in (?)`), unless MikroORM tagged it as a JSON value.
  if (Array.isArray(value) && !isJson(value)) return value.map((v) => placeholder(v, values, style, inline)).join(', ');
  values.push(style.value(value));
  return style.placeholder(values.length);
}

/** What MikroORM's PostgreSQL platform would have written, as a value node-postgres binds. */
function postgresqlValue(value: unknown, platform: FormattingPlatform): BoundValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return platform.formatDate ? platform.formatDate(value) : value.toISOString();
  if (Buffer.isBuffer(value)) return value;
  if (isJson(value)) return JSON.stringify(value);
  return String(value);
}

/** What MikroORM's SQLite platform would have written, as a value better-sqlite3 binds. */
function sqliteValue(value: unknown): BoundValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (value instanceof Date) return value.getTime();
  if (Buffer.isBuffer(value)) return value;
  if (isJson(value)) return JSON.stringify(value);
  return String(value);
}

/** What MikroORM's platform writes as JSON text: a plain object, or a value it tagged as JSON. */
function isJson(value: unknown): boolean {
  return Utils.isPlainObject(value) || Boolean((value as Record<symbol, unknown> | null)?.[JsonProperty]);
}
