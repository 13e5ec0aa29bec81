import { DatabaseKind } from '../../src/config/config.js';

/** The database the current test run targets: `TEST_DATABASE=postgresql` or SQLite (default). */
export function testDatabaseKind(): DatabaseKind {
  return process.env.TEST_DATABASE === 'postgresql' ? DatabaseKind.POSTGRESQL : DatabaseKind.SQLITE;
}
