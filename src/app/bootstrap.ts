/**
 * Starts the whole service from a configuration: database (with migrations), live status bus, services, schema,
 * HTTP and WebSocket. The tests boot through this same function.
 */
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/config.js';
import { configurationWarnings } from '../config/config-warnings.js';
import { openDatabase } from '../db/orm.js';
import type { GatewayRegistry } from '../gateways/gateway-registry.js';
import { buildAppSchema } from '../graphql/schema.js';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { validateAllowList } from '../modules/inbox/source-allow-list.js';
import { LiveStatusBus } from '../modules/live/live-status.bus.js';
import { createLogger, type Logger } from './logger.js';
import { createServices, type Services } from './services.js';

export interface RunningService {
  services: Services;
  http: HttpServer;
  url: string;
  close(): Promise<void>;
}

export interface BootstrapOptions {
  gateways?: GatewayRegistry;
  /** The logger every part gets (default: a new pino logger at LOG_LEVEL). */
  logger?: Logger;
  register?: (app: FastifyInstance) => Promise<void>;
}

export async function bootstrap(config: AppConfig, options: BootstrapOptions = {}): Promise<RunningService> {
  validateAllowList(config.quickpay.allowedSources);
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
  const services = createServices(config, log, orm, live, options.gateways);
  let http: HttpServer;
  try {
    const schema = await buildAppSchema(config.graphql);
    http = await startHttpServer(services, schema, { port: config.port, host: config.host, register: options.register });
  } catch (e) {
    // A failed start (port taken, bad schema) must not leave connections open behind it.
    await live.close();
    await orm.close();
    throw e;
  }
  for (const warning of configurationWarnings(config)) log.warn(warning);
  services.inboxRetention.start();
  return {
    services,
    http,
    url: http.url,
    async close() {
      await services.inboxRetention.stop();
      await http.close();
      await live.close();
      await orm.close();
    },
  };
}
