/**
 * Which errors mean "the database cannot be used right now" (down, unreachable, busy, read-only, out of disk):
 * a retry later can succeed, so GraphQL answers SERVICE_UNAVAILABLE and gateways get a "resend" answer. Everything
 * else is a real failure of this request. One classification for every entry point.
 *
 * The drivers raise these in several shapes: MikroORM's DriverException wrapping the driver's error (`previous`),
 * the raw `pg` error when a connection cannot be had at all (Kysely acquires connections outside MikroORM's
 * conversion), better-sqlite3's SqliteError, and Node's socket errors.
 */
import { ConnectionException, LockWaitTimeoutException, ReadOnlyException } from '@mikro-orm/core';

/** SQLite primary result codes (the part before the first `_`) that mean busy, locked, or unusable disk. */
const SQLITE_UNAVAILABLE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM']);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources: too many connections, disk
 * full), 57P01-57P05 (admin shutdown, crash shutdown, cannot connect now, database dropped, idle session timeout),
 * 55P03 (lock not available: lock_timeout), 40001 / 40P01 (serialisation failure, deadlock), 55000 raised at
 * connect ("database is not currently accepting connections").
 */
const PG_UNAVAILABLE_CLASSES = ['08', '53'];
const PG_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '57P04', '57P05', '55P03', '40001', '40P01']);

const NODE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** Messages of errors that carry no code: pg's pool and client, better-sqlite3 on a closed handle. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|not currently accepting connections|database connection is not open|the database system is (starting up|shutting down|in recovery mode)/i;

function causes(e: unknown): unknown[] {
  const seen: unknown[] = [];
  let current: unknown = e;
  while (current && typeof current === 'object' && !seen.includes(current) && seen.length < 8) {
    seen.push(current);
    const c = current as { previous?: unknown; cause?: unknown; originalError?: unknown };
    current = c.previous ?? c.cause ?? c.originalError;
  }
  return seen;
}

function unavailable(e: unknown): boolean {
  if (e instanceof ConnectionException || e instanceof LockWaitTimeoutException || e instanceof ReadOnlyException) return true;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_') && SQLITE_UNAVAILABLE.has(code.split('_').slice(0, 2).join('_'))) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && (PG_UNAVAILABLE_CODES.has(code) || PG_UNAVAILABLE_CLASSES.includes(code.slice(0, 2)))) return true;
    if (code === '55000' && typeof message === 'string' && /accepting connections/.test(message)) return true;
    if (NODE_SOCKET_CODES.has(code)) return true;
  }
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}

/** Whether `e` (or an error it wraps) says the database is unavailable or busy for now. */
export function isDatabaseUnavailable(e: unknown): boolean {
  return causes(e).some(unavailable);
}

/** Whether `e` is SQLite's or PostgreSQL's "someone else holds the lock, try again": worth an immediate retry. */
export function isLockContention(e: unknown): boolean {
  return causes(e).some((c) => {
    if (c instanceof LockWaitTimeoutException) return true;
    const code = (c as { code?: unknown }).code;
    return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === '55P03' || code === '40001' || code === '40P01');
  });
}

/**
 * Whether `e` is PostgreSQL refusing a prepared statement whose table changed under it ("cached plan must not change
 * result type", after another instance migrated): the statement has been renamed by then (postgresql-driver.ts), so
 * running the work again prepares it afresh.
 */
export function isStalePreparedStatement(e: unknown): boolean {
  return causes(e).some((c) => (c as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test(String((c as Error).message)));
}
