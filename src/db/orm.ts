/**
 * Opens the database a `DatabaseConfig` names: SQLite (the embedded default) or PostgreSQL (production). Both run
 * the same entities; each has its own committed migrations, applied at start-up.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqlEntityManager, SqlMikroORM } from '@mikro-orm/sql';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PostgreSqlORM, type PostgreSqlDriver } from '@mikro-orm/postgresql';
import { MikroORM as SqliteORM, SqliteDriver } from '@mikro-orm/sqlite';
import { DATABASE_TIMEOUT_DEFAULTS, DatabaseKind, type DatabaseConfig } from '../config/config.js';
import { entities } from './entities.js';
import { postgresqlMigrations } from './migrations/postgresql/index.js';
import { sqliteMigrations } from './migrations/sqlite/index.js';
import { releasingPostgreSqlDriver } from './postgresql-driver.js';
import { sqliteDriverOptions } from './sqlite-dialect.js';
import { registerStatementCounter, StatementCounter } from './statement-counter.js';
import { bindParametersOn } from './bound-parameters.js';
import { withPlainUpdates } from './plain-updates.js';

export type Orm = SqlMikroORM;
export type Em = SqlEntityManager;

export interface OpenDatabaseOptions {
  /** Apply pending migrations (the service always does; the migration generator does not). */
  migrate?: boolean;
  /** Log SQL (debugging). */
  debug?: boolean;
  /** PostgreSQL pool size. */
  poolMax?: number;
}

/** Where the migrations of a dialect live in the source tree (for the generator). */
export const MIGRATIONS_SOURCE_DIR: Record<DatabaseKind, string> = {
  [DatabaseKind.SQLITE]: 'src/db/migrations/sqlite',
  [DatabaseKind.POSTGRESQL]: 'src/db/migrations/postgresql',
};

function sharedOptions(kind: DatabaseKind, options: OpenDatabaseOptions) {
  return {
    entities,
    extensions: [Migrator],
    debug: options.debug ?? false,
    // Entities are plain data; the service never relies on implicit flushes.
    allowGlobalContext: false,
    migrations: {
      tableName: 'mikro_orm_migrations',
      silent: true,
      path: MIGRATIONS_SOURCE_DIR[kind],
      pathTs: MIGRATIONS_SOURCE_DIR[kind],
      migrationsList: kind === DatabaseKind.SQLITE ? sqliteMigrations : postgresqlMigrations,
      emit: 'ts' as const,
      snapshot: false,
      transactional: true,
      allOrNothing: true,
    },
  };
}

export async function openDatabase(db: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<Orm> {
  let orm: Orm;
  const counter = new StatementCounter();
  if (db.kind === DatabaseKind.SQLITE) {
    if (db.url !== ':memory:') mkdirSync(dirname(db.url), { recursive: true });
    orm = await SqliteORM.init<SqliteDriver>({
      ...sharedOptions(db.kind, options),
      dbName: db.url,
      driver: withPlainUpdates(SqliteDriver),
      // Never waits for a lock inside the synchronous driver; see sqlite-dialect.ts.
      driverOptions: sqliteDriverOptions({ path: db.url, counter }),
    });
    bindParametersOn(orm.em.getPlatform(), 'sqlite');
  } else {
    const timeouts = { ...DATABASE_TIMEOUT_DEFAULTS, ...db.timeouts };
    orm = await PostgreSqlORM.init<PostgreSqlDriver>({
      ...sharedOptions(db.kind, options),
      clientUrl: db.url,
      driver: releasingPostgreSqlDriver(counter),
      pool: { min: 0, max: options.poolMax ?? 10 },
      // Every wait is bounded: for a connection, for a row lock (then the transition is retried, and finally
      // answered as unavailable), for one statement.
      driverOptions: {
        connectionTimeoutMillis: timeouts.connectMs,
        lock_timeout: timeouts.busyMs,
        statement_timeout: timeouts.statementMs,
        idle_in_transaction_session_timeout: timeouts.statementMs,
      },
    });
  }
  if (db.kind === DatabaseKind.POSTGRESQL) bindParametersOn(orm.em.getPlatform(), 'postgresql');
  registerStatementCounter(orm, counter);
  if (options.migrate ?? true) await orm.migrator.up();
  return orm;
}
