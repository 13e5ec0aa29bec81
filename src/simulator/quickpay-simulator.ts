/**
 * Starts the QuickPay v10 simulator: payment window, REST status API, signed callbacks with retries and faults,
 * and a `/_sim/` control API, on one HTTP port. Used in-process by tests and the demo, and by `main.ts` as a
 * separate process.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { CallbackSender, type DeliveryAttempt, type CallbackSummary } from './callback-sender.js';
import { registerControlApiRoutes, OperationInputSchema } from './control-api.routes.js';
import { FaultsSchema, type Faults } from './faults.js';
import { addFormBodyParser } from './http-helpers.js';
import type { OperationInput, SimOperation, SimPayment } from './payment-resource.js';
import { registerPaymentWindowRoutes } from './payment-window.routes.js';
import { SimulatorService, type PaymentSnapshot } from './simulator-service.js';
import { SimulatorState } from './simulator-state.js';
import { registerStatusApiRoutes } from './status-api.routes.js';

export type { DeliveryAttempt, CallbackSummary } from './callback-sender.js';
export type { Faults } from './faults.js';
export type { OperationInput, SimOperation, SimPayment } from './payment-resource.js';
export type { PaymentSnapshot } from './simulator-service.js';

/** Options of {@link startQuickPaySimulator}. */
export interface QuickPaySimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Signs (verifies) the payment window form and authenticates the status API. */
  apiKey: string;
  /** Signs callbacks (`QuickPay-Checksum-Sha256`). */
  privateKey: string;
  /** When set, window forms for another merchant id are refused. */
  merchantId?: string;
  /** Time between callback attempts; QuickPay's is about an hour. Default 1000 ms. */
  retryIntervalMs?: number;
  /** Attempts per callback copy, the first included. Default 24, as QuickPay. */
  maxAttempts?: number;
  /** Per-attempt limit. Default 5000 ms. */
  callbackTimeoutMs?: number;
  /** The base URL browsers should use (behind a proxy or in a container); defaults to http://host:port. */
  publicUrl?: string;
  /** A pino / fastify logger; silent when absent. */
  logger?: FastifyBaseLogger;
}

/** A running simulator. */
export interface QuickPaySimulator {
  /** Base URL: the payment window is `${url}/`, the status API `${url}/payments` and `${url}/subscriptions`. */
  readonly url: string;
  readonly port: number;
  /** Stops the HTTP server, every pending callback and retry and every held answer, and rejects pending waits. */
  close(): Promise<void>;
  /** Replaces the faults for one of our order ids (before or after the window opens). */
  setFaults(orderId: string, faults: Faults): void;
  /** Replaces the faults given to payments created from now on. */
  setDefaultFaults(faults: Faults): void;
  /** Every payment with its faults, callbacks and delivery attempts (deep copies). */
  payments(): PaymentSnapshot[];
  /** One payment by id, or undefined. */
  payment(paymentId: number): PaymentSnapshot | undefined;
  /** The payment of one of our order ids, or undefined. */
  paymentByOrderId(orderId: string): PaymentSnapshot | undefined;
  /** Appends any operation and sends its callback; throws for an unknown payment or an invalid operation. */
  appendOperation(paymentId: number, op: OperationInput): { payment: SimPayment; operation: SimOperation };
  /** Sends the payment as it is now, as a new callback. */
  resendCallback(paymentId: number): CallbackSummary;
  /** The delivery attempts for one payment, or for all payments. */
  deliveries(paymentId?: number): DeliveryAttempt[];
  /** Resolves once `n` attempts (matching `predicate`) ended for the payment; rejects after `timeoutMs` (default 5000). */
  waitForDeliveries(
    paymentId: number,
    n: number,
    timeoutMs?: number,
    predicate?: (a: DeliveryAttempt) => boolean,
  ): Promise<DeliveryAttempt[]>;
  /** Forgets every payment, fault and callback (as `POST /_sim/reset`). */
  reset(): void;
}

/** Starts a simulator and resolves once it listens. */
export async function startQuickPaySimulator(options: QuickPaySimulatorOptions): Promise<QuickPaySimulator> {
  if (!options.apiKey) throw new Error('startQuickPaySimulator: apiKey is required');
  if (!options.privateKey) throw new Error('startQuickPaySimulator: privateKey is required');
  const host = options.host ?? '127.0.0.1';
  let publicUrl = options.publicUrl?.replace(/\/+$/, '') ?? '';

  const state = new SimulatorState();
  const sender = new CallbackSender({
    privateKey: options.privateKey,
    retryIntervalMs: options.retryIntervalMs ?? 1000,
    maxAttempts: options.maxAttempts ?? 24,
    timeoutMs: options.callbackTimeoutMs ?? 5000,
    faultsFor: (id) => state.faultsFor(id),
    logger: options.logger,
  });
  const service = new SimulatorService(state, sender, {
    apiKey: options.apiKey,
    merchantId: options.merchantId,
    publicUrl: () => publicUrl,
  });

  // forceCloseConnections: a browser's or fetch's keep-alive socket must not keep close() waiting.
  const app = options.logger
    ? Fastify({ loggerInstance: options.logger, forceCloseConnections: true })
    : Fastify({ logger: false, forceCloseConnections: true });
  addFormBodyParser(app);
  registerPaymentWindowRoutes(app, service);
  registerStatusApiRoutes(app, service, options.apiKey);
  registerControlApiRoutes(app, service);

  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  if (!publicUrl) {
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    publicUrl = `http://${shown}:${port}`;
  }

  let closing: Promise<void> | undefined;
  return {
    url: publicUrl,
    port,
    close: () => {
      closing ??= (async () => {
        sender.close();
        // Held (stallCommandsMs) answers go out now rather than keep close() or the process waiting.
        service.close();
        await app.close();
      })();
      return closing;
    },
    setFaults: (orderId, faults) => service.setFaults(orderId, FaultsSchema.parse(faults)),
    setDefaultFaults: (faults) => service.setDefaultFaults(FaultsSchema.parse(faults)),
    payments: () => service.snapshots(),
    payment: (id) => service.snapshot(id),
    paymentByOrderId: (orderId) => {
      const found = service.payments(orderId)[0] ?? service.subscriptions(orderId)[0];
      return found ? service.snapshot(found.id) : undefined;
    },
    appendOperation: (paymentId, op) => {
      const result = service.appendOperation(paymentId, OperationInputSchema.parse(op));
      if (!result) throw new Error(`no payment with id ${paymentId}`);
      return result;
    },
    resendCallback: (paymentId) => {
      const callback = service.resendCallback(paymentId);
      if (!callback) throw new Error(`no payment with id ${paymentId}`);
      return callback;
    },
    deliveries: (paymentId) => sender.deliveries(paymentId),
    waitForDeliveries: (paymentId, n, timeoutMs, predicate) => sender.waitForDeliveries(paymentId, n, timeoutMs, predicate),
    reset: () => service.reset(),
  };
}
