/**
 * Turns load results into the bench's printed output: a plain-text table for the terminal and the same numbers
 * as a markdown table for the README. Numbers only; nothing here judges them.
 */
import type { LoadResult } from './load-protocol.js';
import { fixed, markdownTable as markdown, textTable as plainTable, type Table } from './tables.js';

/** One database's measurements: the service, run in one or more ways, and the baseline; same load, same machine. */
export interface BenchPair {
  database: string;
  /** The service as it ships first, then the variants that show what delivering the side effects costs. */
  services: { label: string; result: LoadResult }[];
  baseline: LoadResult;
}

interface Row {
  database: string;
  server: string;
  rps: string;
  p50: string;
  p99: string;
  failures: string;
  rpsRatio: string;
  p99Ratio: string;
  statements: string;
}

const HEADERS: Row = {
  database: 'database',
  server: 'server',
  rps: 'requests/s',
  p50: 'p50 ms',
  p99: 'p99 ms',
  failures: 'errors / non-2xx',
  rpsRatio: 'throughput service/baseline',
  p99Ratio: 'p99 service/baseline',
  statements: 'SQL statements/answer',
};


function rows(pairs: readonly BenchPair[]): Row[] {
  const against = (server: string, r: LoadResult, baseline: LoadResult): Row => ({
    database: '',
    server,
    rps: fixed(r.requestsPerSecond, 0),
    p50: fixed(r.p50Ms, 2),
    p99: fixed(r.p99Ms, 2),
    failures: `${r.errors} / ${r.non2xx}`,
    rpsRatio: fixed(r.requestsPerSecond / baseline.requestsPerSecond, 3),
    p99Ratio: fixed(r.p99Ms / baseline.p99Ms, 2),
    statements: fixed(r.statementsPerAnswer ?? NaN, 1),
  });
  return pairs.flatMap(({ database, services, baseline }) => [
    ...services.map((s) => ({ ...against(s.label, s.result, baseline), database })),
    {
      database,
      server: 'baseline',
      rps: fixed(baseline.requestsPerSecond, 0),
      p50: fixed(baseline.p50Ms, 2),
      p99: fixed(baseline.p99Ms, 2),
      failures: `${baseline.errors} / ${baseline.non2xx}`,
      rpsRatio: '1',
      p99Ratio: '1',
      // Its own code, read off: BEGIN, the inbox insert, the payment update (not for a duplicate), COMMIT.
      statements: '3-4',
    },
  ]);
}

const KEYS = Object.keys(HEADERS) as (keyof Row)[];
/** Columns that hold numbers are right-aligned. */
const NUMERIC = new Set(['rps', 'p50', 'p99', 'failures', 'rpsRatio', 'p99Ratio', 'statements'].map((k) => KEYS.indexOf(k as keyof Row)));

function table(pairs: readonly BenchPair[]): Table {
  return { headers: KEYS.map((k) => HEADERS[k]), rows: rows(pairs).map((r) => KEYS.map((k) => r[k])), numeric: NUMERIC };
}

/** The results as an aligned plain-text table. */
export function textTable(pairs: readonly BenchPair[]): string {
  return plainTable(table(pairs));
}

/** The results as a GitHub markdown table. */
export function markdownTable(pairs: readonly BenchPair[]): string {
  return markdown(table(pairs));
}

/** One line saying what a run sent and what the server answered, so a skewed mix is visible. */
export function mixLine(label: string, r: LoadResult): string {
  const kv = (o: Record<string, number>) =>
    Object.entries(o)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const dry = r.freshLeft === 0 ? '  [ran out of fresh payments: later slots fell back to captures/refunds/duplicates]' : '';
  const cpu = `CPU server process ${fixed(r.serverCpuPercent ?? NaN, 0)}%, load generator ${fixed(r.loadCpuPercent, 0)}%`;
  return `${label}: ${r.responses} answers in ${r.durationSeconds}s; sent ${kv(r.sent)}; answered ${kv(r.outcomes)}; HTTP ${kv(r.statusCodes)}; ${cpu}${dry}`;
}
