/**
 * Throw-away databases for tools and tests: a temporary SQLite file, or a fresh PostgreSQL database created on the
 * server `TEST_POSTGRES_URL` points at (default: the local trust-auth server) and dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DatabaseKind, type DatabaseConfig } from '../config/config.js';

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export async function createScratchDatabase(kind: DatabaseKind, label = 'scratch'): Promise<ScratchDatabase> {
  if (kind === DatabaseKind.SQLITE) {
    const dir = mkdtempSync(join(tmpdir(), `reconciler-${label}-`));
    return {
      config: { kind, url: join(dir, 'db.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
  const name = `reconciler_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  await withAdmin(adminUrl, (c) => c.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    config: { kind, url: url.toString() },
    drop: () => withAdmin(adminUrl, (c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

async function withAdmin<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
