/**
 * GraphQL over WebSocket (graphql-ws on `ws`) at `/graphql`, within the same limits as over HTTP and bounded in
 * time and size (DESIGN.md, "Limits at the door"):
 *
 * - a message is at most WS_MAX_PAYLOAD bytes (`ws` closes the socket with 1009 beyond it);
 * - a socket has WS_CONNECTION_INIT_TIMEOUT_MS to send `connection_init` (graphql-ws closes it with 4408);
 * - every WS_KEEPALIVE_MS the server pings, and terminates a socket that has not answered within as long again;
 * - a socket with no operation running for WS_IDLE_TIMEOUT_MS is closed (1000, "Idle timeout");
 * - at most WS_MAX_SUBSCRIPTIONS operations run at once on one socket; one more is refused with LIMIT_EXCEEDED
 *   and the socket stays open;
 * - every operation is parsed within the token limit and validated with the limits first (onSubscribe), the same
 *   rules Apollo applies over HTTP, and errors leave through the same boundary.
 *
 * The protocol is graphql-ws's own server (`makeServer`); what ties it to `ws` is written here, after graphql-ws's
 * `use/ws` adapter (which its documentation invites copying), so that the heartbeat and the idle timeout live in
 * one place and everything is logged through the service's logger: the stock adapter prints a stack trace to
 * stderr with console.error for every client that, say, sends a message over the size limit.
 *
 * The sockets are the HTTP server's, so they count toward HTTP_MAX_CONNECTIONS.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type Context } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Services } from '../app/services.js';
import { LimitSetting } from '../config/limit-setting.js';
import { LimitExceededError } from '../errors/app-errors.js';
import type { GraphQLContext } from '../graphql/context.type.js';
import type { OperationLimits } from '../graphql/operation-limits.js';
import { OrderAccess } from '../modules/access/order-access.js';

type ConnectionParams = Record<string, unknown> | undefined;
/** What graphql-ws's context carries for each socket. */
interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  readonly idle: IdleWatch;
  /** Who is asking, decided once from `connection_init`. */
  access?: OrderAccess;
}
type WsContext = Context<ConnectionParams, SocketExtra>;

/** Close code and reason for a socket left idle: a normal closure, so a lazy client simply reconnects when it needs to. */
const IDLE_CLOSE = { code: 1000, reason: 'Idle timeout' } as const;

/**
 * Closes a socket that has had no operation running for `idleMs`. It looks every quarter of `idleMs` (so a
 * socket goes between `idleMs` and 1.5 x `idleMs` after its last operation ended) rather than waiting for
 * graphql-ws to report an end: a subscription the client completes leaves graphql-ws's list at once, but its
 * `onComplete` comes only when the subscription's stream next wakes up.
 */
class IdleWatch {
  private readonly timer: NodeJS.Timeout;
  /** When the socket was first seen with nothing running; undefined while something runs or just ran. */
  private idleSince: number | undefined = performance.now();
  /** How many operations the socket is running; set once graphql-ws has a context for it. */
  running: () => number = () => 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly idleMs: number,
  ) {
    this.timer = setInterval(() => this.check(), Math.ceil(idleMs / 4));
    socket.once('close', () => clearInterval(this.timer));
  }

  /** An operation started: the socket is not idle, however short the operation turns out to be. */
  busy(): void {
    this.idleSince = undefined;
  }

  private check(): void {
    if (this.running() > 0) {
      this.idleSince = undefined;
    } else if (this.idleSince === undefined) {
      this.idleSince = performance.now();
    } else if (performance.now() - this.idleSince >= this.idleMs) {
      clearInterval(this.timer);
      this.socket.close(IDLE_CLOSE.code, IDLE_CLOSE.reason);
    }
  }
}

/**
 * Pings every `intervalMs` and terminates the socket when a ping has had no pong within `intervalMs`: a peer that
 * vanished without closing (a dropped network, a sleeping laptop) is noticed within two intervals.
 */
function startHeartbeat(socket: WebSocket, intervalMs: number): void {
  let pongWait: NodeJS.Timeout | undefined;
  const interval = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    pongWait = setTimeout(() => socket.terminate(), intervalMs);
    socket.once('pong', () => clearTimeout(pongWait));
    socket.ping();
  }, intervalMs);
  socket.once('close', () => {
    clearInterval(interval);
    clearTimeout(pongWait);
  });
}

/** A running GraphQL-over-WebSocket endpoint. */
export interface WebSocketEndpoint {
  /** Closes every socket (1001, "Going away") and stops accepting new ones; resolves once the server is closed. */
  dispose(): Promise<void>;
}

/**
 * Serves GraphQL over WebSocket on `server` at `/graphql`, with `limits` and `services.config.webSocket`.
 * `formatError` is the error boundary (errors never leave unformatted).
 */
export function startWebSocketEndpoint(
  server: Server,
  schema: GraphQLSchema,
  services: Services,
  limits: OperationLimits,
  formatError: (error: GraphQLError) => GraphQLFormattedError,
): WebSocketEndpoint {
  const settings = services.config.webSocket;
  const adminKey = services.config.adminApiKey;
  const log = services.log.child({ component: 'websocket' });
  const accessOf = (ctx: WsContext): OrderAccess => ctx.extra.access ?? OrderAccess.anonymous();

  const graphqlWs = makeServer<ConnectionParams, SocketExtra>({
    schema,
    connectionInitWaitTimeout: settings.connectionInitTimeoutMs,
    onConnect: (ctx) => {
      const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      ctx.extra.access = OrderAccess.fromAuthorization(typeof auth === 'string' ? auth : null, adminKey);
      ctx.extra.idle.running = () => Object.keys(ctx.subscriptions).length;
    },
    onSubscribe: (ctx, _id, payload) => {
      // graphql-ws has already entered this operation in ctx.subscriptions, so it counts itself.
      const max = settings.maxSubscriptionsPerConnection;
      if (Object.keys(ctx.subscriptions).length > max) {
        return [new LimitExceededError(`At most ${max} operations may run at once on one connection (${LimitSetting.WS_MAX_SUBSCRIPTIONS})`, LimitSetting.WS_MAX_SUBSCRIPTIONS, max)];
      }
      let document;
      try {
        document = limits.parse(payload.query);
      } catch (e) {
        if (!(e instanceof GraphQLError)) throw e;
        // Apollo's code for what the parser refused (including the token limit), as over HTTP.
        return [new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      }
      const invalid = limits.validate(schema, document);
      if (invalid.length > 0) return invalid;
      const refusal = limits.introspectionRefusal(document, accessOf(ctx));
      if (refusal) return [refusal];
      ctx.extra.idle.busy();
      const contextValue: GraphQLContext = { access: accessOf(ctx), services };
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
    },
    // Errors leave through the same boundary as over HTTP: known codes kept, internals masked.
    onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
    onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: result.errors.map(formatError) } : undefined),
  });

  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: settings.maxPayload, handleProtocols });
  // The HTTP server's own errors are re-emitted here; Fastify reports them where it listens.
  wsServer.on('error', (err) => log.error({ err }, 'WebSocket server error'));
  wsServer.on('connection', (socket, request) => {
    // `ws` emits a socket error for what the client did wrong (a message over WS_MAX_PAYLOAD, a malformed
    // frame) and closes the socket itself with the matching code; nothing more to do than note it.
    socket.on('error', (err) => log.debug({ err }, 'WebSocket closed on a protocol error'));
    startHeartbeat(socket, settings.keepAliveMs);
    const idle = new IdleWatch(socket, settings.idleTimeoutMs);
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (err) {
              log.error({ err }, 'unexpected error handling a WebSocket message');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request, idle },
    );
    socket.once('close', (code, reason) => {
      closed(code, String(reason)).catch((err: unknown) => log.error({ err }, 'error closing a WebSocket operation'));
    });
  });

  return {
    async dispose() {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      await new Promise<void>((resolve, reject) => wsServer.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
