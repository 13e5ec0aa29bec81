/** Makes the service's database really unreachable (not a mock): the next connection attempt fails in the driver. */
import { mkdirSync, rmSync } from 'node:fs';
import pg from 'pg';
import { DatabaseKind } from '../../src/config/config.js';
import { DEFAULT_TEST_POSTGRES_URL } from '../../src/db/scratch-database.js';
import type { TestService } from './test-service.js';

export async function takeDatabaseDown(svc: TestService): Promise<void> {
  const db = svc.services.config.database;
  if (db.kind === DatabaseKind.SQLITE) {
    await svc.services.orm.close(true);
    // A directory where the file was: the driver's reconnect cannot open it.
    for (const suffix of ['', '-wal', '-shm']) rmSync(db.url + suffix, { force: true });
    mkdirSync(db.url);
    return;
  }
  const name = new URL(db.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`alter database "${name}" allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  } finally {
    await admin.end();
  }
}
