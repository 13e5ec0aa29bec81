/**
 * The SQLite connection the service runs on: better-sqlite3 under Kysely, as MikroORM would build it, with two
 * changes that keep one bad moment from stalling the whole process.
 *
 * - **No busy wait.** better-sqlite3 is synchronous: a busy timeout makes a query that meets another process's
 *   write lock wait inside the driver, and the whole event loop (every request, `/health`) waits with it. The busy
 *   timeout here is 0, so the query fails at once with SQLITE_BUSY and the caller retries after an asynchronous
 *   pause (src/db/busy-retry.ts), serving other requests meanwhile.
 * - **A failed commit leaves the connection usable.** When COMMIT fails on an I/O error or a full disk, SQLite has
 *   already rolled the transaction back. Kysely then sends ROLLBACK, which fails ("no transaction is active"), and
 *   never releases its one SQLite connection: every later query waits on it forever. Here ROLLBACK is only sent
 *   while a transaction is really open, so the connection is released and the service recovers by itself once the
 *   disk is writable again.
 */
import Database from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import type { StatementCounter } from './statement-counter.js';

export interface SqliteConnectionOptions {
  /** A file path, or `:memory:`. */
  path: string;
  /** Counts the statements run (src/db/statement-counter.ts). */
  counter: StatementCounter;
}

class ReleasingSqliteDriver extends SqliteDriver {
  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly database: () => Database.Database | undefined,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // A transaction left open (nothing should leave one, but BEGIN inside it would fail, and Kysely never releases
    // a connection whose BEGIN failed) is rolled back first.
    if (this.database()?.inTransaction) await super.rollbackTransaction(connection);
    await super.beginTransaction(connection);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database()?.inTransaction === false) return;
    await super.rollbackTransaction(connection);
  }
}

function openSqlite(path: string): Database.Database {
  const db = new Database(path, { timeout: 0 });
  if (path !== ':memory:') {
    // WAL lets readers go on while one writer commits; `normal` syncs at checkpoints, not at every commit.
    db.pragma('journal_mode = wal');
  }
  db.pragma('synchronous = normal');
  return db;
}

/**
 * What MikroORM's `driverOptions` takes to build its Kysely client from our dialect. A function, so that every
 * (re)connect opens a fresh database handle rather than reusing one a `close()` has closed.
 */
export function sqliteDriverOptions(options: SqliteConnectionOptions): () => SqliteDialect {
  return () => {
    const handle: { db?: Database.Database } = {};
    const config = { database: async () => (handle.db = openSqlite(options.path)) };
    return new (class extends SqliteDialect {
      override createDriver(): Driver {
        return options.counter.instrument(new ReleasingSqliteDriver(config, () => handle.db));
      }
    })(config);
  };
}
