/**
 * Liveness and readiness. Live: the process answers. Ready: each dependency can be used right now: the database
 * takes a write (within the health check timeout), and Redis, when configured, answers. A failing dependency makes
 * the service unready, never dead: it keeps answering (retryable errors) and recovers by itself.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { retryWhileBusy } from '../../db/busy-retry.js';
import type { Orm } from '../../db/orm.js';
import { HealthProbe } from './health-probe.entity.js';

/** One dependency; `check` throws (or times out) when it cannot be used. */
export interface DependencyCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  /** Milliseconds the check took. */
  ms: number;
  /** Why it failed (the error's message; never a secret). */
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

const INSTANCE = `${hostname()}:${process.pid}`.slice(0, 100);

/** The database is ready when this instance's probe row can be written. */
export function databaseCheck(orm: Orm, timeoutMs: number): DependencyCheck {
  return {
    name: 'database',
    check: () =>
      retryWhileBusy(async () => {
        const em = orm.em.fork();
        await em.upsert(HealthProbe, { instance: INSTANCE, checkedAt: new Date() });
      }, timeoutMs),
  };
}

export class Readiness {
  constructor(
    private readonly checks: readonly DependencyCheck[],
    private readonly timeoutMs: number,
  ) {}

  /** Runs every check at once, each bounded by the health check timeout. Never throws. */
  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await this.run(c)] as const));
    return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
  }

  private async run(c: DependencyCheck): Promise<CheckResult> {
    const started = performance.now();
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    const timeout = new AbortController();
    try {
      await Promise.race([
        c.check(),
        sleep(this.timeoutMs, undefined, { signal: timeout.signal }).then(() => {
          throw new Error(`no answer within ${this.timeoutMs} ms`);
        }),
      ]);
      return { ok: true, ms: ms() };
    } catch (e) {
      return { ok: false, ms: ms(), error: e instanceof Error ? e.message.slice(0, 300) : String(e) };
    } finally {
      timeout.abort();
    }
  }
}
