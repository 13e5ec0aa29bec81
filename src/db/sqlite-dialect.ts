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
import { SqliteDialect, SqliteDriver, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import { boundParameters } from './bound-parameters.js';
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

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const db = this.database();
    return db ? withBoundStatements(connection, db) : connection;
  }
}

/** Distinct statement texts kept prepared per database handle; the oldest is dropped beyond this. */
const PREPARED_KEEP = 500;
const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** `db`'s prepared statement for `text`, prepared once (src/db/bound-parameters.ts). */
function statement(db: Database.Database, text: string): Database.Statement {
  let cache = prepared.get(db);
  if (!cache) prepared.set(db, (cache = new Map()));
  let stmt = cache.get(text);
  if (stmt) return stmt;
  stmt = db.prepare(text);
  if (cache.size >= PREPARED_KEEP) cache.delete(cache.keys().next().value!);
  cache.set(text, stmt);
  return stmt;
}

/**
 * Runs every statement from the prepared-statement cache, as Kysely's own SQLite connection would run it (the same
 * result shapes): with its bound values when it comes as a BoundSql, else with Kysely's parameters (BEGIN and
 * COMMIT, which Kysely would prepare anew each time). Streams go to `connection`'s way when not bound.
 */
function withBoundStatements(connection: DatabaseConnection, db: Database.Database): DatabaseConnection {
  return {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const bound = boundParameters(query.sql) ?? { text: query.sql, values: query.parameters as unknown[] };
      const stmt = statement(db, bound.text);
      if (stmt.reader) return { rows: stmt.all(bound.values) as R[] };
      const { changes, lastInsertRowid } = stmt.run(bound.values);
      return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] };
    },
    async *streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
      const bound = boundParameters(query.sql);
      if (!bound) {
        yield* connection.streamQuery<R>(query, chunkSize);
        return;
      }
      // A statement of its own, not the cached one: better-sqlite3 runs nothing else on a statement while it iterates.
      for (const row of db.prepare(bound.text).iterate(bound.values)) yield { rows: [row as R] };
    },
  };
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
