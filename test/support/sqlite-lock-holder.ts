/**
 * A child process that takes SQLite's write lock on a database (`BEGIN IMMEDIATE`) and holds it until it reads a
 * line on stdin, as another program writing to the same file would. Prints `locked` once it holds the lock.
 */
import Database from 'better-sqlite3';

const db = new Database(process.argv[2], { timeout: 10_000 });
db.exec('begin immediate');
process.stdout.write('locked\n');
process.stdin.once('data', () => {
  db.exec('rollback');
  db.close();
  process.exit(0);
});
