/**
 * Messages between the live-status bench (live-status.ts, the service's process) and its subscriber process
 * (live-subscribers.ts), over Node's IPC channel.
 */
import type { SeededOrder } from './seed-orders.js';

/** Parent -> child: whom to subscribe for, then when to send the callbacks. */
export type ToSubscribers =
  | { kind: 'job'; url: string; privateKey: string; orders: SeededOrder[]; subscribers: number; openAtOnce: number; callbacksAtOnce: number }
  | { kind: 'go' };

export interface LiveResult {
  subscribers: number;
  /** Subscribers that saw their order READY. */
  reached: number;
  /** How long after the callback's HTTP answer reached the gateway each subscriber got the READY push (ms). */
  pushAfterAnswer: { p50: number; p99: number; max: number };
  callbacks: number;
  callbacksPerSecond: number;
  /** Subscriptions that ended in an error, or sockets that closed. */
  failures: number;
}

/** Child -> parent. */
export type FromSubscribers = { kind: 'subscribed'; subscribers: number; seconds: number; failures: number } | { kind: 'result'; result: LiveResult };
