/**
 * What the bench orchestrator sends the load generator (one JSON document on its stdin) and what it prints back
 * (one JSON line on its stdout). Shared so both processes agree on the shape.
 */
import type { BenchPayment } from './callback-bodies.js';
import type { CallbackKind } from './callback-stream.js';

/** The orders of one load run. */
export interface LoadJob {
  /** Base URL of the server under load, e.g. `http://127.0.0.1:4123`. */
  url: string;
  /** The QuickPay account private key the server verifies callbacks with. */
  privateKey: string;
  /** The payments the callbacks are about, in the order their first callbacks are sent. */
  payments: BenchPayment[];
  connections: number;
  /** Unmeasured load first, so JIT, pools and caches are warm; its callbacks are consumed from the same stream. */
  warmupSeconds: number;
  durationSeconds: number;
}

/** The measured part of one load run. */
export interface LoadResult {
  /** Responses received in the measured window (any status). */
  responses: number;
  durationSeconds: number;
  requestsPerSecond: number;
  /** Exact percentiles of every measured response time (2xx or not), milliseconds. */
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  /** Connection errors and timeouts (no answer at all). */
  errors: number;
  /** HTTP status code -> count. */
  statusCodes: Record<string, number>;
  /** The `status` field of the answer bodies (ACCEPTED, DUPLICATE, ...) -> count. */
  outcomes: Record<string, number>;
  /** What the measured window sent, by kind. */
  sent: Record<CallbackKind, number>;
  /** Payments whose first authorize was never sent; 0 means the stream ran dry and fell back to cheaper kinds. */
  freshLeft: number;
  /** CPU the load generator used in the measured window, in % of one core (near 100: the load may be the limit). */
  loadCpuPercent: number;
  /** CPU the server's process used in the measured window, in % of one core (filled in by the orchestrator). */
  serverCpuPercent?: number;
  /** SQL statements the server ran per answer in the measured window, BEGIN and COMMIT included (the service only). */
  statementsPerAnswer?: number;
}

/** The line the load generator prints just before the measured window starts, so the server side can clock it. */
export const MEASURING_LINE = '{"phase":"measuring"}';
