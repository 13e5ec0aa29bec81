/**
 * What every bench shares: its whole-number settings from the environment, the databases it runs on, and the
 * service booted as `npm start` boots it, on a scratch database, for a bench.
 */
import { tmpdir } from 'node:os';
import { bootstrap, type RunningService } from '../src/app/bootstrap.js';
import { DatabaseKind, loadConfig } from '../src/config/config.js';
import type { ScratchDatabase } from '../src/db/scratch-database.js';

/** A positive whole number from the environment, or `fallback`. */
export function intEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** The databases named in BENCH_DATABASES (comma-separated), or `fallback`. */
export function benchDatabases(fallback: string): DatabaseKind[] {
  return (process.env.BENCH_DATABASES ?? fallback).split(',').map((s) => {
    const kind = Object.values(DatabaseKind).find((k) => k === s.trim().toLowerCase());
    if (!kind) throw new Error(`BENCH_DATABASES: unknown database ${s.trim()} (use ${Object.values(DatabaseKind).join(', ')})`);
    return kind;
  });
}

/**
 * The real service on `scratch`, listening on a free local port, logging off, verifying QuickPay callbacks with
 * `privateKey`; `env` adds or overrides settings (SERVICE_ROLE, limits).
 */
export function startBenchService(scratch: ScratchDatabase, privateKey: string, env: Record<string, string> = {}): Promise<RunningService> {
  return bootstrap(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      // Never handed to a gateway: the benches post to the listening URL themselves.
      PUBLIC_BASE_URL: 'http://127.0.0.1',
      DATABASE_URL: scratch.config.url,
      LOG_LEVEL: 'silent',
      QUICKPAY_MERCHANT_ID: '1234',
      QUICKPAY_AGREEMENT_ID: '5678',
      QUICKPAY_API_KEY: 'bench-api-key',
      QUICKPAY_PRIVATE_KEY: privateKey,
      // E-mails go to the local mail folder of this scratch run, never to a server.
      MAIL_DIR: `${tmpdir()}/reconciler-bench-mail-${process.pid}`,
      ...env,
    }),
  );
}
