/**
 * Counts the SQL statements a database connection runs, BEGIN and COMMIT included: every one is a round trip on
 * PostgreSQL and a parse on both. The count is how the statement-count test and the benchmark see what one callback
 * or one checkout costs the database (issue 7: "SQL statements per callback"), without timing anything.
 *
 * It sits under MikroORM, at Kysely's driver: statements MikroORM builds, raw SQL run through it, and the
 * transactions Kysely opens all pass there.
 */
import type { DatabaseConnection, Driver } from 'kysely';
import type { Orm } from './orm.js';

export class StatementCounter {
  private count = 0;
  /** When set, each statement's SQL is appended here as well (a test shows what a path ran). */
  transcript: string[] | null = null;

  /** Statements run since the database was opened. */
  get total(): number {
    return this.count;
  }

  /** Makes every connection `driver` hands out count here (the driver is changed in place). */
  instrument<D extends Driver>(driver: D): D {
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => this.counting(await acquire());
    return driver;
  }

  private counting(connection: DatabaseConnection): DatabaseConnection {
    const counter = this;
    // A proxy, not a new object: drivers call their own connection's other methods (pg's release) through it.
    return new Proxy(connection, {
      get(target, key) {
        if (key === 'executeQuery' || key === 'streamQuery') {
          return (...args: unknown[]) => {
            counter.count++;
            counter.transcript?.push((args[0] as { sql: string }).sql);
            return (target[key] as (...a: unknown[]) => unknown)(...args);
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}

const counters = new WeakMap<Orm, StatementCounter>();

/** Remembers which counter counts `orm`'s statements (openDatabase does this). */
export function registerStatementCounter(orm: Orm, counter: StatementCounter): void {
  counters.set(orm, counter);
}

/** The counter of a database opened by openDatabase. */
export function statementCounter(orm: Orm): StatementCounter {
  const counter = counters.get(orm);
  if (!counter) throw new Error('this database was not opened by openDatabase: its statements are not counted');
  return counter;
}
