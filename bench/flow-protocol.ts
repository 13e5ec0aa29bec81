/**
 * What the flow bench's orchestrator (checkout-flow.ts) sends its load process (flow-load.ts) as JSON on stdin, and
 * the one JSON line the load process prints back. The measurements mirror `../shared/bench/vendure/load.js`, so the
 * two can be set side by side: whole flows for a while, then the gateway-confirmation step alone.
 */
import type { FlowStep } from './flow-steps.js';

export interface FlowJob {
  url: string;
  /** The QuickPay private key the service verifies callbacks with. */
  privateKey: string;
  /** Storefronts working at once (Vendure's bench: CONCURRENCY, 20). */
  concurrency: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Orders placed (not timed) and then confirmed by callbacks alone (Vendure's SETTLE_N, 500). */
  confirmOrders: number;
  /** The confirmation run stops after this many seconds even if orders are left (Vendure's SETTLE_MAX_S, 30). */
  confirmMaxSeconds: number;
}

/** Latency percentiles, milliseconds (nearest rank over every successful sample). */
export interface Percentiles {
  p50: number;
  p99: number;
}

export interface DriveResult extends Percentiles {
  /** Successful runs in the window. */
  n: number;
  errors: number;
  /** Distinct error messages -> count. */
  errorSamples: Record<string, number>;
  seconds: number;
  perSecond: number;
}

export interface FlowResult {
  /** Whole flows, cart -> READY. */
  flows: DriveResult & { steps: Record<FlowStep, Percentiles> };
  /** The callback alone, over orders placed beforehand. */
  confirm: DriveResult & { placed: number };
  /** How the last flow's order and the last confirmed order read back afterwards (READY both). */
  check: { lastFlowOrder: string; lastConfirmedOrder: string };
  /** CPU the load process used while measuring, % of one core. */
  loadCpuPercent: number;
}

/** The measured windows, in order; the load process prints a line as each starts and ends. */
export type FlowPhase = 'flows' | 'confirm';
export const phaseLine = (phase: FlowPhase, edge: 'start' | 'end') => JSON.stringify({ phase, edge });
