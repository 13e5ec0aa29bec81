/**
 * MikroORM's PostgreSQL driver, with one repair and two savings (the second, updates by primary key written without
 * the QueryBuilder, is plain-updates.ts, shared with SQLite).
 *
 * The saving: statements come with bound values (bound-parameters.ts), and each distinct statement text is a named
 * prepared statement, parsed and planned once per connection and then only executed (node-postgres keeps track of
 * which connection has prepared which name). At most PREPARED_NAMES texts get a name; any text beyond that runs
 * unnamed (parsed each time), so the statements a connection keeps stay bounded.
 *
 * The repair: a connection whose BEGIN fails is given back to the pool.
 *
 * Kysely opens a transaction by taking a pooled connection and sending BEGIN; when BEGIN fails (the server went
 * away and the pooled socket is dead) it throws without releasing that connection. The pool then counts it as in
 * use for ever: after as many failures as the pool has slots, every request waits for a connection that never
 * comes, and the service does not recover when PostgreSQL does. Released here, the pool drops the dead client
 * (pg-pool discards a client that is no longer queryable) and opens a fresh one next time. Its statements are
 * counted (src/db/statement-counter.ts).
 */
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Configuration } from '@mikro-orm/core';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver } from 'kysely';
import type pg from 'pg';
import { boundParameters } from './bound-parameters.js';
import { withPlainUpdates } from './plain-updates.js';
import { isStalePreparedStatement } from './database-errors.js';
import type { StatementCounter } from './statement-counter.js';

/** Statement texts given a name (prepared once per connection); beyond this, texts run unnamed. */
const PREPARED_NAMES = 1000;
const names = new Map<string, string>();
let named = 0;

/** The prepared statement's name for `text`, or undefined past the limit. */
function nameFor(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < PREPARED_NAMES) names.set(text, (name = `or_${named++}`));
  return name;
}

/**
 * Makes `client` run the texts that have a name as named prepared statements (the client is changed in place).
 * PostgreSQL refuses to run a prepared `select *` whose table gained or lost a column since it was prepared (another
 * instance ran a migration): the statement fails once on each connection that prepared it, and the text then gets a
 * new name, prepared afresh wherever it runs next (a lineage transaction is retried on that error).
 */
function prepareNamedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof config === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined ? names.get(config) : undefined;
    if (!name) return query(config, values, callback);
    return (query({ name, text: config, values }) as Promise<unknown>).catch((e: unknown) => {
      if (isStalePreparedStatement(e) && names.get(config as string) === name) names.delete(config as string);
      throw e;
    });
  };
}

/**
 * Runs a statement that comes with bound values (a BoundSql) as its text and values, named for preparing. A proxy,
 * not a new object: Kysely's driver releases a connection through a method of its own on it.
 */
function withBoundStatements(connection: DatabaseConnection): DatabaseConnection {
  const unbound = (query: CompiledQuery): CompiledQuery => {
    const bound = boundParameters(query.sql);
    if (!bound) return query;
    nameFor(bound.text);
    return { ...query, sql: bound.text, parameters: bound.values };
  };
  return new Proxy(connection, {
    get(target, key) {
      if (key === 'executeQuery' || key === 'streamQuery') {
        return (query: CompiledQuery, ...rest: unknown[]) => (target[key] as (...a: unknown[]) => unknown).call(target, unbound(query), ...rest);
      }
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Makes `dialect`'s drivers bind values (the dialect is changed in place). */
function bindValues<D extends Dialect>(dialect: D): D {
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = (): Driver => {
    const driver = createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => withBoundStatements(await acquire());
    return driver;
  };
  return dialect;
}

/** Makes `dialect`'s drivers release a connection when BEGIN fails on it (the dialect is changed in place). */
export function releaseOnFailedBegin<D extends Dialect>(dialect: D): D {
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = (): Driver => {
    const driver = createDriver();
    const begin = driver.beginTransaction.bind(driver);
    driver.beginTransaction = async (connection, settings) => {
      try {
        await begin(connection, settings);
      } catch (e) {
        await driver.releaseConnection(connection).catch(() => undefined);
        throw e;
      }
    };
    return driver;
  };
  return dialect;
}

/** Makes `dialect`'s drivers count their statements on `counter` (the dialect is changed in place). */
function countStatements<D extends Dialect>(dialect: D, counter: StatementCounter): D {
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = (): Driver => counter.instrument(createDriver());
  return dialect;
}

/** MikroORM's `driver` for PostgreSQL: released on a failed BEGIN, its statements counted on `counter`. */
export function releasingPostgreSqlDriver(counter: StatementCounter): typeof PostgreSqlDriver {
  class ReleasingPostgreSqlConnection extends PostgreSqlConnection {
    override createKyselyDialect(overrides: Parameters<PostgreSqlConnection['createKyselyDialect']>[0]): ReturnType<PostgreSqlConnection['createKyselyDialect']> {
      // MikroORM hands the pool it creates to `onPoolCreated` (an override its connection reads, not a pool setting).
      const onPoolCreated = (pool: pg.Pool) => pool.on('connect', prepareNamedStatements);
      const withPoolHook = { ...overrides, onPoolCreated } as Parameters<PostgreSqlConnection['createKyselyDialect']>[0];
      return countStatements(bindValues(releaseOnFailedBegin(super.createKyselyDialect(withPoolHook))), counter);
    }
  }
  return class ReleasingPostgreSqlDriver extends withPlainUpdates(PostgreSqlDriver) {
    constructor(config: Configuration) {
      super(config);
      (this as unknown as { connection: PostgreSqlConnection }).connection = new ReleasingPostgreSqlConnection(this.config);
    }
  };
}
