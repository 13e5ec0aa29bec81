/**
 * MikroORM's PostgreSQL driver, with one repair: a connection whose BEGIN fails is given back to the pool.
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
import type { Dialect, Driver } from 'kysely';
import type { StatementCounter } from './statement-counter.js';

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
      return countStatements(releaseOnFailedBegin(super.createKyselyDialect(overrides)), counter);
    }
  }
  return class ReleasingPostgreSqlDriver extends PostgreSqlDriver {
    constructor(config: Configuration) {
      super(config);
      (this as unknown as { connection: PostgreSqlConnection }).connection = new ReleasingPostgreSqlConnection(this.config);
    }
  };
}
