/**
 * Runs the peer benchmark `../shared/bench/vendure` (stock Vendure 3.7 doing our job: checkout flows, then
 * `settlePayment` alone) with the same concurrency, warm-up, duration and order count as the flow bench, on the
 * same kind of database, and reads back its two JSON lines. Its progress goes to this process's stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseKind } from '../src/config/config.js';

/** Where the peer bench lives unless BENCH_VENDURE says otherwise: beside this project's checkout. */
const DEFAULT_DIR = resolve(fileURLToPath(new URL('../../../shared/bench/vendure', import.meta.url)));

export interface VendureResult {
  checkout_flow: { flows_per_s: number; p50_ms: number; p99_ms: number; errors: number; n_flows: number; check: unknown };
  settle_only: { settles_per_s: number; p50_ms: number; p99_ms: number; errors: number; n_settles: number; check: unknown };
}

export interface VendureSettings {
  concurrency: number;
  warmupSeconds: number;
  durationSeconds: number;
  settleOrders: number;
  settleMaxSeconds: number;
}

/** The peer bench's directory, or null when it is not there or BENCH_VENDURE=false. */
export function vendureBenchDir(): string | null {
  const setting = process.env.BENCH_VENDURE;
  if (setting === 'false') return null;
  const dir = setting ? resolve(setting) : DEFAULT_DIR;
  return existsSync(`${dir}/run.sh`) ? dir : null;
}

export function runVendure(dir: string, kind: DatabaseKind, s: VendureSettings): Promise<VendureResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['run.sh'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        DB: kind === DatabaseKind.POSTGRESQL ? 'postgres' : 'sqlite',
        CONCURRENCY: String(s.concurrency),
        WARMUP: String(s.warmupSeconds),
        DURATION: String(s.durationSeconds),
        SETTLE_N: String(s.settleOrders),
        SETTLE_MAX_S: String(s.settleMaxSeconds),
      },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the Vendure bench exited with code ${code}`));
      const lines = out.trim().split('\n').flatMap((l) => {
        try {
          return [JSON.parse(l) as { measurement: string }];
        } catch {
          return [];
        }
      });
      const by = Object.fromEntries(lines.map((l) => [l.measurement, l])) as unknown as VendureResult;
      if (!by.checkout_flow || !by.settle_only) return reject(new Error(`the Vendure bench printed no results: ${out.slice(0, 300)}`));
      resolvePromise(by);
    });
  });
}
