/**
 * Starts the whole service from a configuration: database (with migrations), live status bus, services, and, as
 * SERVICE_ROLE says, HTTP and WebSocket (roles `all` and `web`) and the background workers (`all` and `worker`).
 * The tests boot through this same function.
 */
import type { FastifyInstance } from 'fastify';
import { ServiceRole, type AppConfig } from '../config/config.js';
import { configurationWarnings } from '../config/config-warnings.js';
import { openDatabase } from '../db/orm.js';
import type { GatewayRegistry } from '../gateways/gateway-registry.js';
import { buildAppSchema } from '../graphql/schema.js';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { LiveStatusBus } from '../modules/live/live-status.bus.js';
import { startWorkers, type RunningWorkers } from '../workers/workers.js';
import { createLogger, type Logger } from './logger.js';
import { createServices, type Services } from './services.js';

export interface RunningService {
  services: Services;
  /** Null in a worker-only process. */
  http: HttpServer | null;
  /** Null in a web-only process. */
  workers: RunningWorkers | null;
  /** Where HTTP listens ('' in a worker-only process). */
  url: string;
  /**
   * Stops taking work (no new connections, no new claims), lets what is in flight finish within SHUTDOWN_GRACE_MS,
   * then closes the connections. Never throws for a part that fails to close: it is logged and the rest closes.
   */
  close(): Promise<void>;
}

export interface BootstrapOptions {
  gateways?: GatewayRegistry;
  /** The logger every part gets (default: a new pino logger at LOG_LEVEL). */
  logger?: Logger;
  register?: (app: FastifyInstance) => Promise<void>;
}

export async function bootstrap(config: AppConfig, options: BootstrapOptions = {}): Promise<RunningService> {
  const log = options.logger ?? createLogger(config.logLevel);
  const orm = await openDatabase(config.database, { migrate: true });
  let live: LiveStatusBus;
  try {
    // Starts degraded (and says so in readiness) when Redis is down: live status then reaches this instance's
    // subscribers only until Redis is back, and nothing else depends on it.
    live = await LiveStatusBus.start({
      redisUrl: config.redisUrl,
      redis: {
        connectTimeoutMs: config.redisConnectTimeoutMs,
        commandTimeoutMs: config.redisCommandTimeoutMs,
        reconnectMaxDelayMs: config.redisReconnectMaxDelayMs,
      },
      log: log.child({ component: 'live-status' }),
    });
  } catch (e) {
    await orm.close();
    throw e;
  }
  let services: Services;
  try {
    services = createServices(config, log, orm, live, options.gateways);
  } catch (e) {
    // A broken mail template, say: close what is open rather than leave it behind the error.
    await live.close();
    await orm.close();
    throw e;
  }
  let http: HttpServer | null = null;
  try {
    if (config.role !== ServiceRole.WORKER) {
      const schema = await buildAppSchema(config.graphql);
      http = await startHttpServer(services, schema, { port: config.port, host: config.host, register: options.register });
    }
  } catch (e) {
    // A failed start (port taken, bad schema) must not leave connections open behind it.
    await live.close();
    await orm.close();
    throw e;
  }
  if (http) for (const warning of configurationWarnings(config)) log.warn(warning);
  if (config.role !== ServiceRole.WEB) log.info({ mail: services.mailer.destination }, 'e-mail goes to');
  services.inboxRetention.start();
  const workers = config.role !== ServiceRole.WEB ? startWorkers(services) : null;
  const step = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (err) {
      log.error({ err }, `could not close ${what}`);
    }
  };
  let closing: Promise<void> | undefined;
  return {
    services,
    http,
    workers,
    url: http?.url ?? '',
    close: () =>
      (closing ??= (async () => {
        // First nothing new: HTTP stops accepting and answers what it holds; workers claim nothing more.
        await Promise.all([step('HTTP', async () => http?.close()), step('the workers', async () => workers?.stop(config.shutdownGraceMs))]);
        await step('the inbox retention', () => services.inboxRetention.stop());
        await step('the mailer', async () => services.mailer.close());
        await step('the live status bus', () => live.close());
        await step('the database', () => orm.close());
      })()),
  };
}
