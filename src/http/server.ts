/**
 * The HTTP server: GraphQL over HTTP (Apollo Server on Fastify) and over WebSocket (graphql-ws) at `/graphql`,
 * the callback bridge under `/callbacks/`, a health check, and the demo storefront under `/shop/`.
 */
import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Services } from '../app/services.js';
import type { HttpLimits } from '../config/config.js';
import { LimitSetting } from '../config/limit-setting.js';
import { LimitExceededError } from '../errors/app-errors.js';
import { formatError, formatSubscriptionError } from '../errors/format-error.js';
import type { GraphQLContext } from '../graphql/context.type.js';
import { OperationLimits } from '../graphql/operation-limits.js';
import { OrderAccess } from '../modules/access/order-access.js';
import { callbackBridgeRoutes } from './callback-bridge.routes.js';
import { exportRoutes } from './exports.routes.js';
import { healthRoutes } from './health.routes.js';
import { operationGatePlugin } from './operation-gate.plugin.js';
import { returnPageRoutes } from './return-page.routes.js';
import { startWebSocketEndpoint } from './websocket.js';

/** Dropped sockets are reported at most this often (a flood must not flood the log too), milliseconds. */
const DROP_REPORT_INTERVAL_MS = 60_000; // 1 minute

/**
 * How often Node looks for requests past their headers or request timeout. Node's default (30 s) would stretch
 * every timeout by up to that; a quarter of the shorter timeout, within 0.1-1 s, keeps the overshoot small and
 * the scan (a walk of the open connections) rare.
 */
function connectionsCheckingInterval(limits: HttpLimits): number {
  return Math.min(1_000, Math.max(100, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

export interface HttpServer {
  app: FastifyInstance;
  /** Base URL the server listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  close(): Promise<void>;
}

export interface StartHttpOptions {
  port: number;
  host: string;
  /** Extra routes (the demo storefront). */
  register?: (app: FastifyInstance) => Promise<void>;
}

/**
 * Starts Fastify with every route, GraphQL over HTTP and WebSocket, and the limits of `services.config`: HTTP
 * timeouts and the connection cap, the GraphQL body limit, the operation limits, the WebSocket bounds.
 * @throws when the port cannot be listened on.
 */
export async function startHttpServer(services: Services, schema: GraphQLSchema, options: StartHttpOptions): Promise<HttpServer> {
  const adminKey = services.config.adminApiKey;
  const limits = services.config.http;
  const app = Fastify({
    // The service's own logger; typed as Fastify's base logger so plugins and routes see the usual instance type.
    loggerInstance: services.log as FastifyBaseLogger,
    routerOptions: { ignoreTrailingSlash: true },
    // Gateways and load balancers address us by IP; trust X-Forwarded-For only when told (not yet configurable).
    trustProxy: false,
    // Slow and silent clients (DESIGN.md, "Limits at the door"). Node answers 408 and closes a connection whose
    // headers (or, before it sends any, whose first byte) take longer than headersTimeout, or whose whole request
    // takes longer than requestTimeout: a body promised by Content-Length and never sent included. These are
    // Node's own timers, and the checking interval can only be set when the server is made.
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: connectionsCheckingInterval(limits) },
    // Fastify sets these two on the server itself after making it; its defaults are no request timeout at all
    // and a 72 s keep-alive. Node adds its keepAliveTimeoutBuffer (1 s) to the keep-alive timeout.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  });
  // Node closes any socket accepted beyond this many open ones (HTTP and WebSocket alike) at once.
  app.server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let dropReported = 0;
  app.server.on('drop', () => {
    dropped++;
    if (Date.now() - dropReported < DROP_REPORT_INTERVAL_MS) return;
    app.log.warn({ dropped, maxConnections: limits.maxConnections }, 'connections refused: HTTP_MAX_CONNECTIONS sockets are open');
    dropped = 0;
    dropReported = Date.now();
  });
  // Counted from the moment a request's headers are read until its socket is done with it (answered, or the client
  // gone): what the workers give way to. A WebSocket's upgrade never reaches Fastify's hooks, so a page watching
  // its order live is not counted.
  app.addHook('onRequest', (_req, reply, done) => {
    reply.raw.once('close', services.foreground.enter());
    done();
  });

  const operationLimits = new OperationLimits(services.config.graphql);
  const boundary = { hideSuggestions: operationLimits.hidesSchemaDetails };
  const logUnexpected = (e: unknown) => app.log.error({ err: e }, 'unexpected GraphQL error');
  const ws = startWebSocketEndpoint(app.server, schema, services, operationLimits, (e) => formatSubscriptionError(e, logUnexpected, boundary));

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    parseOptions: operationLimits.parseOptions,
    // Who may introspect is decided per request by the operation gate (GRAPHQL_INTROSPECTION). Apollo's own
    // switch is for everyone at once, and off whenever NODE_ENV=production, which would refuse the back office.
    introspection: true,
    // Apollo adds stack traces to errors unless NODE_ENV is production or test; they name files, and keep the
    // full message of an error the boundary shortened (a "Did you mean" suggestion). Unexpected errors are logged.
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatError(formatted, error, logUnexpected, boundary),
    plugins: [
      fastifyApolloDrainPlugin(app),
      operationGatePlugin(operationLimits),
      { async serverWillStart() { return { async drainServer() { await ws.dispose(); } }; } },
    ],
  });
  await apollo.start();
  // The route by hand rather than through the integration's plugin, for its own body limit (Fastify's default is 1 MiB).
  app.route<{ Reply: string }>({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    bodyLimit: limits.graphqlBodyLimit,
    errorHandler: (error: FastifyError, _req, reply) => {
      if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
      const tooLarge = new LimitExceededError(`The request body is larger than ${limits.graphqlBodyLimit} bytes (${LimitSetting.GRAPHQL_BODY_LIMIT})`, LimitSetting.GRAPHQL_BODY_LIMIT, limits.graphqlBodyLimit);
      // The shape of any GraphQL answer, so a client reads the code where it reads every other one.
      return reply.code(413).type('application/json; charset=utf-8').send(JSON.stringify({ errors: [formatError(tooLarge.toJSON(), tooLarge)] }));
    },
    handler: fastifyApolloHandler(apollo, {
      context: async (req) => ({ access: OrderAccess.fromAuthorization(req.headers.authorization, adminKey), services }),
    }),
  });
  await app.register(callbackBridgeRoutes, { prefix: '/callbacks', services });
  await app.register(healthRoutes, { readiness: services.readiness });
  await app.register(returnPageRoutes);
  await app.register(exportRoutes, { services });
  if (options.register) await options.register(app);

  const address = await app.listen({ port: options.port, host: options.host });
  const url = address.replace('[::1]', 'localhost').replace('0.0.0.0', '127.0.0.1');
  return {
    app,
    url,
    async close() {
      // Apollo's drain closes the WebSocket endpoint (every socket, then its server) before Fastify closes.
      await apollo.stop();
      await app.close();
    },
  };
}
