/**
 * The baseline's storage, hand-written SQL on the same database kinds the service runs on: a payments table and
 * an inbox table whose unique key is the body's SHA-256. One callback = one transaction: insert the message
 * (a duplicate stops there), then move the payment forward if the message is newer than what it has.
 */
import { createRequire } from 'node:module';
import pg from 'pg';
import { DatabaseKind, type DatabaseConfig } from '../src/config/config.js';
import type { BenchPayment } from './callback-bodies.js';

/** What the baseline records about one verified callback. */
export interface BaselineMessage {
  dedupKey: string;
  body: string;
  reference: string;
  status: string;
  sequence: number;
}

/** ACCEPTED: the payment moved; IGNORED: stale or unknown payment; DUPLICATE: the same body was stored before. */
export type BaselineOutcome = 'ACCEPTED' | 'IGNORED' | 'DUPLICATE';

export interface BaselineStore {
  /** Inserts payments waiting for their first callback. */
  seed(payments: readonly BenchPayment[]): Promise<void>;
  record(message: BaselineMessage): Promise<BaselineOutcome>;
  close(): Promise<void>;
}

/** The few better-sqlite3 calls used here; the package ships no types and this file is their only user. */
interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
}
interface SqliteDatabase {
  pragma(statement: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}
type SqliteConstructor = new (file: string, options?: { timeout?: number }) => SqliteDatabase;
const Database = createRequire(import.meta.url)('better-sqlite3') as SqliteConstructor;

const TABLES = [
  `create table payments (reference varchar(32) primary key, amount integer not null, status varchar(16) not null,
     gateway_sequence integer not null default 0, updated_at varchar(32) not null)`,
  `create table inbox (id integer primary key, dedup_key varchar(64) not null unique, body text not null,
     received_at varchar(32) not null)`,
];

/** Opens (and creates the tables of) the baseline store on an empty scratch database. */
export async function openBaselineStore(db: DatabaseConfig): Promise<BaselineStore> {
  return db.kind === DatabaseKind.SQLITE ? openSqlite(db.url) : openPostgres(db.url);
}

function openSqlite(file: string): BaselineStore {
  const sql = new Database(file, { timeout: 5000 });
  // The same journal settings the service's SQLite connection uses, so the comparison is about code, not fsyncs.
  sql.pragma('journal_mode = wal');
  sql.pragma('synchronous = normal');
  for (const t of TABLES) sql.exec(t);
  const insertPayment = sql.prepare(`insert into payments (reference, amount, status, updated_at) values (?, ?, 'INITIATED', ?)`);
  const insertMessage = sql.prepare(`insert into inbox (dedup_key, body, received_at) values (?, ?, ?) on conflict (dedup_key) do nothing`);
  const movePayment = sql.prepare(`update payments set status = ?, gateway_sequence = ?, updated_at = ? where reference = ? and gateway_sequence < ?`);
  const seed = sql.transaction((payments: readonly BenchPayment[]) => {
    const now = new Date().toISOString();
    for (const p of payments) insertPayment.run(p.reference, p.amount, now);
  });
  // better-sqlite3 is synchronous: the whole transaction runs without yielding, so no two callbacks interleave.
  const record = sql.transaction((m: BaselineMessage): BaselineOutcome => {
    const now = new Date().toISOString();
    if (insertMessage.run(m.dedupKey, m.body, now).changes === 0) return 'DUPLICATE';
    return movePayment.run(m.status, m.sequence, now, m.reference, m.sequence).changes === 1 ? 'ACCEPTED' : 'IGNORED';
  });
  return {
    seed: async (payments) => seed(payments),
    record: async (m) => record(m),
    close: async () => void sql.close(),
  };
}

async function openPostgres(url: string): Promise<BaselineStore> {
  // The service's PostgreSQL pool holds at most 10 connections (src/db/orm.ts); the baseline gets the same.
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // pg-pool's end() resolves once it has asked its idle clients to end, before their sockets have closed; dropping
  // the database `with (force)` right after terminates those stragglers (57P01), and an idle client's error is
  // emitted on the pool: without a listener it would crash the bench after it measured, before it printed. A
  // connection lost while the baseline is measured fails its request instead, and shows in the error count.
  pool.on('error', () => undefined);
  for (const t of TABLES) await pool.query(t.replace('id integer primary key', 'id bigserial primary key'));
  return {
    async seed(payments) {
      const now = new Date().toISOString();
      for (let i = 0; i < payments.length; i += 10_000) {
        const chunk = payments.slice(i, i + 10_000);
        await pool.query(`insert into payments (reference, amount, status, updated_at) select r, a, 'INITIATED', $3 from unnest($1::text[], $2::int[]) as t(r, a)`, [
          chunk.map((p) => p.reference),
          chunk.map((p) => p.amount),
          now,
        ]);
      }
    },
    async record(m) {
      const client = await pool.connect();
      try {
        const now = new Date().toISOString();
        await client.query('begin');
        const inserted = await client.query(`insert into inbox (dedup_key, body, received_at) values ($1, $2, $3) on conflict (dedup_key) do nothing`, [m.dedupKey, m.body, now]);
        let outcome: BaselineOutcome = 'DUPLICATE';
        if (inserted.rowCount === 1) {
          const moved = await client.query(`update payments set status = $1, gateway_sequence = $2, updated_at = $3 where reference = $4 and gateway_sequence < $2`, [m.status, m.sequence, now, m.reference]);
          outcome = moved.rowCount === 1 ? 'ACCEPTED' : 'IGNORED';
        }
        await client.query('commit');
        return outcome;
      } catch (e) {
        await client.query('rollback').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
