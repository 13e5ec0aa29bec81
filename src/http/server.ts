/**
 * The HTTP server: GraphQL over HTTP (Apollo Server on Fastify) and over WebSocket (graphql-ws) at `/graphql`,
 * the callback bridge under `/callbacks/`, a health check, and the demo storefront under `/shop/`.
 */
import { ApolloServer } from '@apollo/server';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Services } from '../app/services.js';
import { formatError, formatSubscriptionError } from '../errors/format-error.js';
import type { GraphQLContext } from '../graphql/context.type.js';
import { OrderAccess } from '../modules/access/order-access.js';
import { callbackBridgeRoutes } from './callback-bridge.routes.js';
import { healthRoutes } from './health.routes.js';
import { returnPageRoutes } from './return-page.routes.js';

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

export async function startHttpServer(services: Services, schema: GraphQLSchema, options: StartHttpOptions): Promise<HttpServer> {
  const adminKey = services.config.adminApiKey;
  const app = Fastify({
    // The service's own logger; typed as Fastify's base logger so plugins and routes see the usual instance type.
    loggerInstance: services.log as FastifyBaseLogger,
    routerOptions: { ignoreTrailingSlash: true },
    // Gateways and load balancers address us by IP; trust X-Forwarded-For only when told (not yet configurable).
    trustProxy: false,
  });

  const logUnexpected = (e: unknown) => app.log.error({ err: e }, 'unexpected GraphQL error');
  const wsServer = new WebSocketServer({ server: app.server, path: '/graphql' });
  const ws = useServer<Record<string, unknown> | undefined, { access?: OrderAccess }>(
    {
      schema,
      context: (ctx): GraphQLContext => {
        const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        return { access: OrderAccess.fromAuthorization(typeof auth === 'string' ? auth : null, adminKey), services };
      },
      // Errors leave through the same boundary as over HTTP: known codes kept, internals masked.
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatSubscriptionError(e, logUnexpected)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: result.errors.map((e) => formatSubscriptionError(e, logUnexpected)) } : undefined,
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError: (formatted, error) => formatError(formatted, error, logUnexpected),
    plugins: [
      fastifyApolloDrainPlugin(app),
      { async serverWillStart() { return { async drainServer() { await ws.dispose(); } }; } },
    ],
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo), {
    path: '/graphql',
    context: async (req) => ({ access: OrderAccess.fromAuthorization(req.headers.authorization, adminKey), services }),
  });
  await app.register(callbackBridgeRoutes, { prefix: '/callbacks', services });
  await app.register(healthRoutes, { readiness: services.readiness });
  await app.register(returnPageRoutes);
  if (options.register) await options.register(app);

  const address = await app.listen({ port: options.port, host: options.host });
  const url = address.replace('[::1]', 'localhost').replace('0.0.0.0', '127.0.0.1');
  return {
    app,
    url,
    async close() {
      await apollo.stop();
      await app.close();
      wsServer.close();
    },
  };
}
