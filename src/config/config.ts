/**
 * The service's configuration: every environment variable the service reads is read here, once, into a typed,
 * frozen object. Nothing else touches `process.env`.
 */
import { resolve } from 'node:path';
import parseMs from 'ms';
import { z } from 'zod';
import { GATEWAY_MODULES } from '../gateways/gateway-catalogue.js';
import type { GatewayName } from '../gateways/gateway.js';
import { emailAddressProblem } from '../modules/shared/email-address.js';
import { csv } from './env-values.js';

/** Which database a `DATABASE_URL` selects. */
export enum DatabaseKind {
  SQLITE = 'sqlite',
  POSTGRESQL = 'postgresql',
}

/** How long the service waits on the database; every wait is bounded (DESIGN.md invariant 9). */
export interface DatabaseTimeouts {
  /**
   * Milliseconds a write may wait for another writer's lock (SQLite's write lock, a PostgreSQL row lock), asking
   * again after asynchronous pauses, before the request is answered as unavailable (SERVICE_UNAVAILABLE / 503).
   */
  readonly busyMs: number;
  /** Milliseconds to open a PostgreSQL connection. */
  readonly connectMs: number;
  /** Milliseconds one PostgreSQL statement (or an idle transaction) may take. */
  readonly statementMs: number;
}

export const DATABASE_TIMEOUT_DEFAULTS: DatabaseTimeouts = Object.freeze({
  busyMs: 5_000, // 5 seconds
  connectMs: 5_000, // 5 seconds
  statementMs: 30_000, // 30 seconds
});

export interface DatabaseConfig {
  readonly kind: DatabaseKind;
  /** A file path (SQLite, `:memory:` allowed) or a `postgres://` URL. */
  readonly url: string;
  /** Defaults: DATABASE_TIMEOUT_DEFAULTS. */
  readonly timeouts?: DatabaseTimeouts;
}

/** How long the service waits on Redis (live status fan-out); Redis is never waited for on behalf of a request. */
export interface RedisLimits {
  /** Milliseconds to open a connection (TCP and handshake) before the attempt counts as failed. */
  readonly connectTimeoutMs: number;
  /** Milliseconds a command (publish, subscribe, ping) may wait for its answer on an open connection. */
  readonly commandTimeoutMs: number;
  /** Longest pause between two reconnect attempts, milliseconds (the pause doubles from 50 ms up to it). */
  readonly reconnectMaxDelayMs: number;
}

export const REDIS_LIMIT_DEFAULTS: RedisLimits = Object.freeze({
  connectTimeoutMs: 2_000, // 2 seconds
  commandTimeoutMs: 1_000, // 1 second
  reconnectMaxDelayMs: 2_000, // 2 seconds
});

/** Bounds of the HTTP server: slow or silent clients are cut off, and the number of open sockets is capped. */
export interface HttpLimits {
  /** Milliseconds to receive a request's headers. */
  readonly headersTimeoutMs: number;
  /** Milliseconds to receive a whole request (headers and body). */
  readonly requestTimeoutMs: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** Most sockets open at once (HTTP and WebSocket); more are refused. */
  readonly maxConnections: number;
  /** Largest GraphQL request body over HTTP, bytes. */
  readonly graphqlBodyLimit: number;
}

/** Who may introspect the schema: anyone, the back office only, or nobody. */
export enum IntrospectionPolicy {
  PUBLIC = 'public',
  ADMIN = 'admin',
  OFF = 'off',
}

/** What one GraphQL operation may cost, checked before it runs (HTTP and WebSocket alike). */
export interface GraphQLLimits {
  /** Most lexical tokens in one document: bounds the parser's work. */
  readonly maxTokens: number;
  /** Deepest selection nesting. */
  readonly maxDepth: number;
  /** Most aliases in one operation. */
  readonly maxAliases: number;
  /** Most directives in one operation. */
  readonly maxDirectives: number;
  /** Highest estimated cost (fields weighted by type and depth). */
  readonly maxCost: number;
  /** Most items in one list argument or input list. */
  readonly maxListLength: number;
  readonly introspection: IntrospectionPolicy;
}

/** Bounds of GraphQL over WebSocket (graphql-ws). */
export interface WebSocketLimits {
  /** Largest message, bytes. */
  readonly maxPayload: number;
  /** Milliseconds a new socket has to send `connection_init`. */
  readonly connectionInitTimeoutMs: number;
  /** Milliseconds between pings; a socket that does not answer one is closed. */
  readonly keepAliveMs: number;
  /** Milliseconds a socket may stay open without a running subscription. */
  readonly idleTimeoutMs: number;
  /** Most subscriptions running at once on one socket. */
  readonly maxSubscriptionsPerConnection: number;
}

/** What this process does: answer HTTP and run the background workers (one process for a small shop), or one of them. */
export enum ServiceRole {
  ALL = 'all',
  WEB = 'web',
  WORKER = 'worker',
}

/** How the outbox is delivered (the background workers). */
export interface OutboxPolicy {
  /** Milliseconds between two looks for due rows when the last look found none. */
  readonly pollIntervalMs: number;
  /** Rows claimed at once by one worker. */
  readonly batchSize: number;
  /** Milliseconds a claimed row stays with its worker; after that another worker may take it over (a crash). */
  readonly leaseMs: number;
  /** Deliveries tried before a row is FAILED (and shown to the back office). */
  readonly maxAttempts: number;
  /** Milliseconds before the first retry; doubled after each failure, with jitter. */
  readonly retryBaseMs: number;
  /** Longest wait between two tries, milliseconds. */
  readonly retryMaxMs: number;
  /**
   * While this process's front door is busy, its workers deliver only side effects due for longer than this,
   * milliseconds, leaving the CPU and (on SQLite) the single writer to the callbacks and shoppers; 0: they never
   * give way. See src/workers/foreground-load.ts for what "busy" is.
   */
  readonly yieldMaxLagMs: number;
  /** HTTP requests waiting for their answer that make the front door busy on their own (0: only the loop counts). */
  readonly yieldAtInFlight: number;
}

/** How payments whose notification is late or missing are chased at the gateway (seed 003). */
export interface ReconcilerPolicy {
  /**
   * Milliseconds between the polls of one pending payment: the first after placing the order, then each after the
   * previous; the last repeats until `giveUpAfterMs`.
   */
  readonly scheduleMs: readonly number[];
  /** Milliseconds after placing when the gateway is asked one last time and, still unpaid, the payment expires. */
  readonly giveUpAfterMs: number;
  /** Milliseconds after placing when the shop gets one "pending payment" alert. */
  readonly pendingAlertAfterMs: number;
  /** Payments polled at once by one worker. */
  readonly batchSize: number;
  /** Milliseconds a worker holds a payment it polls; another worker may take it after (the first crashed). */
  readonly leaseMs: number;
  /** Milliseconds between two looks for due payments when the last look found none. */
  readonly pollIntervalMs: number;
  /**
   * Milliseconds after a payment operation whose outcome is unknown (the gateway's answer was lost) when the
   * reconciler asks the gateway about it; an operation this old that the gateway's full answer does not list failed.
   */
  readonly operationSettleAfterMs: number;
}

/** What the callback bridge keeps of what it is sent, and for how long. */
export interface InboxPolicy {
  /** Bytes of a rejected message's body that are kept (to diagnose it); the rest is dropped. */
  readonly rejectedBodyKeepBytes: number;
  /** Bytes of headers kept with any message (JSON of the kept headers; longer values are cut). */
  readonly headersKeepBytes: number;
  /** Rejected messages recorded per source address per minute; beyond it they are answered 429 and not stored. */
  readonly rejectedPerMinutePerSource: number;
  /** Hours a rejected message is kept before it is deleted. */
  readonly rejectedRetentionHours: number;
}

/**
 * The signed webhook to the shop's own systems (Standard Webhooks): `order.ready` (seed 003's export) and
 * `order.flagged`. Without a URL no webhook is owed: the rows are marked done, unsent, with the reason.
 */
export interface ShopWebhookConfig {
  /** Where the shop receives webhooks (http or https, no credentials in it); null: no webhook is sent. */
  readonly url: string | null;
  /** The signing secret, `whsec_` and the base64 of 24 to 64 random bytes; set whenever `url` is. Never logged. */
  readonly secret: string | null;
  /** Milliseconds one delivery may take, from connecting to the last byte of the answer read. */
  readonly timeoutMs: number;
  /** Bytes of the receiver's answer kept with the delivery's record (status first); the rest is not read. */
  readonly answerKeepBytes: number;
}

/**
 * How e-mail goes out (the confirmation to the customer, the shop's alerts). See docs/DESIGN.md, "E-mail".
 */
export interface MailConfig {
  /**
   * `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…:465` (TLS from the start);
   * nodemailer's URL options (`?requireTLS=true`…) are honoured. Undefined: messages are written to `dir`.
   */
  readonly smtpUrl: string | undefined;
  /** The SMTP server as logs may show it: no credentials. */
  readonly smtpServer: string | undefined;
  /**
   * Milliseconds one message may take, from connecting to the server's acceptance; then the attempt fails (and is
   * retried). Less than OUTBOX_LEASE_MS, so a worker never sends a message whose row another worker may take over.
   */
  readonly smtpTimeoutMs: number;
  /** The sender (`Shop <orders@shop.example>` or a bare address). */
  readonly from: string;
  /** Whether MAIL_FROM was set (otherwise a no-reply address at the PUBLIC_BASE_URL's host). */
  readonly fromConfigured: boolean;
  /** Absolute path of the local mail folder (.eml files), used when `smtpUrl` is undefined. */
  readonly dir: string;
  /** Absolute path of the shop's own templates; each file there replaces the shipped one of its name. */
  readonly templatesDir: string | undefined;
  /** Where the shop's alerts go (one or more addresses); empty: no alert is e-mailed. */
  readonly shopAdminEmails: readonly string[];
  /** BCP 47 locale of amounts and dates in messages. */
  readonly locale: string;
  /** IANA time zone of dates in messages. */
  readonly timeZone: string;
  /** The right-hand side of every Message-ID: the host of PUBLIC_BASE_URL. */
  readonly messageIdHost: string;
}

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly redisUrl: string | undefined;
  /** Bearer key for the back office; unset disables back-office operations. */
  readonly adminApiKey: string | undefined;
  /** The address shoppers and gateways reach this service at; used to build continue / cancel / callback URLs. */
  readonly publicBaseUrl: string;
  /**
   * Where the shopper returns after the gateway (the storefront's confirmation page); `{orderId}` and `{outcome}` are
   * filled in. Unset: the service's own placeholder page (`/return`).
   */
  readonly storefrontReturnUrl: string;
  /** Whether STOREFRONT_RETURN_URL was set (otherwise shoppers land on the placeholder page). */
  readonly storefrontReturnUrlConfigured: boolean;
  /** Largest callback body accepted, in bytes. */
  readonly callbackBodyLimit: number;
  readonly logLevel: string;
  /** Milliseconds a readiness check may take per dependency (database, Redis) before it counts as failed. */
  readonly healthCheckTimeoutMs: number;
  /** Milliseconds to connect to Redis before a command fails (the service keeps trying in the background). */
  readonly redisConnectTimeoutMs: number;
  /** Milliseconds a Redis command (publish, subscribe, ping) may wait for its answer on an open connection. */
  readonly redisCommandTimeoutMs: number;
  /** Longest pause between two attempts to reconnect to Redis, milliseconds (the pause doubles up to it). */
  readonly redisReconnectMaxDelayMs: number;
  readonly http: HttpLimits;
  readonly graphql: GraphQLLimits;
  readonly webSocket: WebSocketLimits;
  readonly inbox: InboxPolicy;
  readonly role: ServiceRole;
  /** Milliseconds a stopping service waits for in-flight requests and deliveries before it closes anyway. */
  readonly shutdownGraceMs: number;
  readonly outbox: OutboxPolicy;
  readonly reconciler: ReconcilerPolicy;
  readonly shopWebhook: ShopWebhookConfig;
  readonly mail: MailConfig;
  /** Each configured gateway's own settings, by gateway; a gateway that is not configured is absent (not offered). */
  readonly gateways: ReadonlyMap<GatewayName, unknown>;
}

/** A whole number of `unit` (ms, bytes…) from `min` to `max`, with a default. */
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** A duration such as `90s`, `15m`, `1h` or `24h` (the `ms` package's notation), in milliseconds, at least 1 ms. */
const duration = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const n = parseDuration(v);
      if (n === undefined) ctx.addIssue({ code: 'custom', message: `not a duration: ${v} (use e.g. 90s, 15m, 1h)` });
      return n ?? 0;
    });

/** A comma-separated list of durations, e.g. `5m,15m,1h`. */
const durations = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const parts = v.split(',').map((p) => p.trim()).filter(Boolean);
      const values = parts.map(parseDuration);
      if (parts.length === 0 || values.some((n) => n === undefined)) ctx.addIssue({ code: 'custom', message: `not a list of durations: ${v} (use e.g. 5m,15m,1h)` });
      return values.filter((n): n is number => n !== undefined);
    });
/** An unset variable, or one set to the empty string (as in an `.env` template), means "not configured". */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Standard Webhooks' secret format: `whsec_` then the base64 of the key. The specification asks for 24 to 64 bytes
 * of key (192 to 512 bits). Checked here so a mistyped secret stops the start rather than every delivery. The
 * messages never repeat the value.
 */
export function shopWebhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith('whsec_')) return 'must start with whsec_ (Standard Webhooks format: whsec_ and base64)';
  const encoded = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'the part after whsec_ must be standard base64 (with padding)';
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < 24 || bytes > 64) return `the key must be 24 to 64 bytes, it is ${bytes}`;
  return undefined;
}

/** Why a shop webhook URL cannot be used, or undefined. */
function shopWebhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
  // fetch refuses URLs with credentials, and they would end up in logs; the signature is the authentication.
  if (parsed.username || parsed.password) return 'must not carry credentials (the signature authenticates the service)';
  return undefined;
}

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().min(1).default('./data/order-reconciler.sqlite'),
  REDIS_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  PUBLIC_BASE_URL: z.string().url().optional(),
  STOREFRONT_RETURN_URL: z.string().optional(),
  CALLBACK_BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_BUSY_TIMEOUT_MS: int(DATABASE_TIMEOUT_DEFAULTS.busyMs, 0, 600_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(DATABASE_TIMEOUT_DEFAULTS.connectMs, 100, 600_000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(DATABASE_TIMEOUT_DEFAULTS.statementMs, 100, 3_600_000),
  HEALTH_CHECK_TIMEOUT_MS: int(2_000, 100, 60_000),
  REDIS_CONNECT_TIMEOUT_MS: int(REDIS_LIMIT_DEFAULTS.connectTimeoutMs, 100, 60_000),
  REDIS_COMMAND_TIMEOUT_MS: int(REDIS_LIMIT_DEFAULTS.commandTimeoutMs, 50, 60_000),
  REDIS_RECONNECT_MAX_DELAY_MS: int(REDIS_LIMIT_DEFAULTS.reconnectMaxDelayMs, 50, 600_000),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000, 100, 600_000),
  HTTP_MAX_CONNECTIONS: int(1_000, 1, 1_000_000),
  GRAPHQL_BODY_LIMIT: int(100 * 1024, 1024, 10 * 1024 * 1024),
  GRAPHQL_MAX_TOKENS: int(3_000, 10, 1_000_000),
  GRAPHQL_MAX_DEPTH: int(10, 1, 100),
  GRAPHQL_MAX_ALIASES: int(15, 0, 10_000),
  GRAPHQL_MAX_DIRECTIVES: int(20, 0, 10_000),
  GRAPHQL_MAX_COST: int(1_000, 1, 10_000_000),
  GRAPHQL_MAX_LIST_LENGTH: int(100, 1, 100_000),
  GRAPHQL_INTROSPECTION: z.enum(IntrospectionPolicy).default(IntrospectionPolicy.ADMIN),
  WS_MAX_PAYLOAD: int(64 * 1024, 1024, 10 * 1024 * 1024),
  WS_CONNECTION_INIT_TIMEOUT_MS: int(3_000, 100, 600_000),
  WS_KEEPALIVE_MS: int(12_000, 100, 600_000),
  WS_IDLE_TIMEOUT_MS: int(60_000, 1_000, 86_400_000),
  WS_MAX_SUBSCRIPTIONS: int(20, 1, 10_000),
  INBOX_REJECTED_BODY_KEEP: int(2_048, 0, 1024 * 1024),
  INBOX_HEADERS_KEEP: int(4_096, 256, 1024 * 1024),
  INBOX_REJECTED_PER_MINUTE: int(60, 1, 1_000_000),
  INBOX_REJECTED_RETENTION_HOURS: int(168, 1, 24 * 366 * 10),
  SERVICE_ROLE: z.enum(ServiceRole).default(ServiceRole.ALL),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  OUTBOX_POLL_INTERVAL_MS: int(1_000, 10, 600_000),
  OUTBOX_BATCH_SIZE: int(20, 1, 1_000),
  OUTBOX_LEASE_MS: int(60_000, 1_000, 3_600_000),
  OUTBOX_MAX_ATTEMPTS: int(10, 1, 1_000),
  OUTBOX_RETRY_BASE_MS: int(1_000, 10, 3_600_000),
  OUTBOX_RETRY_MAX_MS: int(3_600_000, 10, 86_400_000),
  OUTBOX_YIELD_AT_IN_FLIGHT: int(4, 0, 1_000_000),
  OUTBOX_YIELD_MAX_LAG_MS: int(30_000, 0, 3_600_000),
  RECONCILER_SCHEDULE: durations('5m,15m,1h'),
  RECONCILER_GIVE_UP_AFTER: duration('24h'),
  PENDING_PAYMENT_ALERT_AFTER: duration('15m'),
  RECONCILER_BATCH_SIZE: int(20, 1, 1_000),
  RECONCILER_LEASE_MS: int(60_000, 1_000, 3_600_000),
  RECONCILER_POLL_INTERVAL_MS: int(1_000, 10, 600_000),
  OPERATION_SETTLE_AFTER: duration('2m'),
  SHOP_WEBHOOK_URL: optionalText,
  SHOP_WEBHOOK_SECRET: optionalText,
  SHOP_WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  SHOP_WEBHOOK_ANSWER_KEEP: int(512, 0, 64 * 1024),
  SMTP_URL: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .refine((v) => v === undefined || /^smtps?:\/\/[^/?#]+/i.test(v), 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@smtp.example.com:587'),
  SMTP_TIMEOUT_MS: int(30_000, 1_000, 600_000),
  MAIL_FROM: z.string().optional(),
  MAIL_DIR: z.string().min(1).default('./data/mail'),
  MAIL_TEMPLATES_DIR: z.string().optional(),
  SHOP_ADMIN_EMAIL: csv,
  MAIL_LOCALE: z.string().min(1).default('en'),
  MAIL_TIME_ZONE: z.string().min(1).default('UTC'),
});

/** Milliseconds of a duration like `15m`; undefined when it is not one (or is not positive). */
function parseDuration(text: string): number | undefined {
  const n = parseMs(text.trim() as Parameters<typeof parseMs>[0]);
  return typeof n === 'number' && Number.isFinite(n) && n >= 1 ? Math.round(n) : undefined;
}

/** Thrown when the environment cannot make a valid configuration; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads a database URL: `postgres://` / `postgresql://` selects PostgreSQL, anything else is an SQLite file path. */
export function parseDatabaseUrl(url: string): DatabaseConfig {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: DatabaseKind.POSTGRESQL, url };
  const path = url.replace(/^(sqlite|file):(\/\/)?/i, '');
  return { kind: DatabaseKind.SQLITE, url: path === ':memory:' ? path : resolve(path) };
}

/** Builds the configuration from an environment (by default the process's own), with `overrides` on top. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Record<string, string> = {}): AppConfig {
  const parsed = EnvSchema.safeParse({ ...env, ...overrides });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.PORT === 0 && !e.PUBLIC_BASE_URL) {
    // A port the OS picks at start-up cannot be written into the callback and return URLs given to gateways.
    throw new ConfigError(['PUBLIC_BASE_URL: required when PORT is 0 (the callback URL must name a real port)']);
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    // The headers are part of the request; Node refuses to start a server configured the other way round.
    throw new ConfigError(['HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS']);
  }
  const webhookProblems: string[] = [];
  const urlProblem = e.SHOP_WEBHOOK_URL === undefined ? undefined : shopWebhookUrlProblem(e.SHOP_WEBHOOK_URL);
  if (urlProblem) webhookProblems.push(`SHOP_WEBHOOK_URL: ${urlProblem}`);
  const secretProblem = e.SHOP_WEBHOOK_SECRET === undefined ? undefined : shopWebhookSecretProblem(e.SHOP_WEBHOOK_SECRET);
  if (secretProblem) webhookProblems.push(`SHOP_WEBHOOK_SECRET: ${secretProblem}`);
  // An unsigned webhook would let anyone who finds the URL post "order ready": the shop could ship unpaid orders.
  if (e.SHOP_WEBHOOK_URL && !e.SHOP_WEBHOOK_SECRET) webhookProblems.push('SHOP_WEBHOOK_SECRET: required when SHOP_WEBHOOK_URL is set');
  // A delivery outliving its lease would be taken over and sent a second time while the first still waits. Only
  // when a webhook is sent at all: a worker with a short lease and no webhook is a valid set-up.
  if (e.SHOP_WEBHOOK_URL && e.SHOP_WEBHOOK_TIMEOUT_MS >= e.OUTBOX_LEASE_MS) webhookProblems.push('SHOP_WEBHOOK_TIMEOUT_MS: must be shorter than OUTBOX_LEASE_MS');
  if (webhookProblems.length) throw new ConfigError(webhookProblems);
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const mail = mailConfig(e, publicBaseUrl);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    database: Object.freeze({
      ...parseDatabaseUrl(e.DATABASE_URL),
      timeouts: Object.freeze({ busyMs: e.DATABASE_BUSY_TIMEOUT_MS, connectMs: e.DATABASE_CONNECT_TIMEOUT_MS, statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS }),
    }),
    redisUrl: e.REDIS_URL,
    adminApiKey: e.ADMIN_API_KEY,
    publicBaseUrl,
    storefrontReturnUrlConfigured: e.STOREFRONT_RETURN_URL !== undefined,
    storefrontReturnUrl: e.STOREFRONT_RETURN_URL ?? `${publicBaseUrl}/return?order={orderId}&outcome={outcome}`,
    callbackBodyLimit: e.CALLBACK_BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    healthCheckTimeoutMs: e.HEALTH_CHECK_TIMEOUT_MS,
    redisConnectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    redisReconnectMaxDelayMs: e.REDIS_RECONNECT_MAX_DELAY_MS,
    http: Object.freeze({
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
      graphqlBodyLimit: e.GRAPHQL_BODY_LIMIT,
    }),
    graphql: Object.freeze({
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxCost: e.GRAPHQL_MAX_COST,
      maxListLength: e.GRAPHQL_MAX_LIST_LENGTH,
      introspection: e.GRAPHQL_INTROSPECTION,
    }),
    webSocket: Object.freeze({
      maxPayload: e.WS_MAX_PAYLOAD,
      connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
      keepAliveMs: e.WS_KEEPALIVE_MS,
      idleTimeoutMs: e.WS_IDLE_TIMEOUT_MS,
      maxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS,
    }),
    inbox: Object.freeze({
      rejectedBodyKeepBytes: e.INBOX_REJECTED_BODY_KEEP,
      headersKeepBytes: e.INBOX_HEADERS_KEEP,
      rejectedPerMinutePerSource: e.INBOX_REJECTED_PER_MINUTE,
      rejectedRetentionHours: e.INBOX_REJECTED_RETENTION_HOURS,
    }),
    role: e.SERVICE_ROLE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    outbox: Object.freeze({
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      leaseMs: e.OUTBOX_LEASE_MS,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      retryBaseMs: e.OUTBOX_RETRY_BASE_MS,
      retryMaxMs: Math.max(e.OUTBOX_RETRY_MAX_MS, e.OUTBOX_RETRY_BASE_MS),
      yieldAtInFlight: e.OUTBOX_YIELD_AT_IN_FLIGHT,
      yieldMaxLagMs: e.OUTBOX_YIELD_MAX_LAG_MS,
    }),
    reconciler: Object.freeze({
      scheduleMs: Object.freeze(e.RECONCILER_SCHEDULE),
      giveUpAfterMs: e.RECONCILER_GIVE_UP_AFTER,
      pendingAlertAfterMs: e.PENDING_PAYMENT_ALERT_AFTER,
      batchSize: e.RECONCILER_BATCH_SIZE,
      leaseMs: e.RECONCILER_LEASE_MS,
      pollIntervalMs: e.RECONCILER_POLL_INTERVAL_MS,
      operationSettleAfterMs: e.OPERATION_SETTLE_AFTER,
    }),
    shopWebhook: Object.freeze({
      url: e.SHOP_WEBHOOK_URL ?? null,
      secret: e.SHOP_WEBHOOK_SECRET ?? null,
      timeoutMs: e.SHOP_WEBHOOK_TIMEOUT_MS,
      answerKeepBytes: e.SHOP_WEBHOOK_ANSWER_KEEP,
    }),
    mail,
    gateways: gatewayConfigs({ ...env, ...overrides }),
  });
}

/**
 * Each configured gateway's settings, read from the environment by the gateway's own module (its variables are
 * its own: QUICKPAY_…); a gateway that is not configured is left out.
 */
function gatewayConfigs(env: Record<string, string | undefined>): ReadonlyMap<GatewayName, unknown> {
  const configured = new Map<GatewayName, unknown>();
  const problems: string[] = [];
  for (const m of GATEWAY_MODULES) {
    const read = m.readConfig(env);
    problems.push(...read.problems);
    if (read.config) configured.set(m.name, Object.freeze(read.config));
  }
  if (problems.length) throw new ConfigError(problems);
  return configured;
}

/** `Name <address>` or a bare address: the parts, or undefined when it is neither. */
export function parseMailbox(value: string): { name: string; address: string } | undefined {
  const m = /^\s*(?:([^<>]*?)\s*<([^<>]*)>|([^<>\s]+))\s*$/.exec(value);
  if (!m) return undefined;
  const address = m[2] ?? m[3];
  const name = (m[1] ?? '').replace(/^"(.*)"$/, '$1');
  // A display name is a header's text: no line breaks or NULs (nodemailer encodes the rest).
  if (emailAddressProblem(address) || /[\u0000-\u001f\u007f]/.test(name)) return undefined;
  return { name, address };
}

function mailConfig(e: z.infer<typeof EnvSchema>, publicBaseUrl: string): MailConfig {
  const problems: string[] = [];
  const host = new URL(publicBaseUrl).hostname;
  // An IPv6 host ([::1]) cannot be the domain of an address.
  const from = e.MAIL_FROM?.trim() || `Order Reconciler <no-reply@${host && !host.startsWith('[') ? host : 'localhost'}>`;
  if (e.MAIL_FROM?.trim() && !parseMailbox(from)) problems.push('MAIL_FROM: must be an address, or a name and an address: Shop <orders@shop.example>');
  for (const address of e.SHOP_ADMIN_EMAIL) {
    const problem = emailAddressProblem(address);
    if (problem) problems.push(`SHOP_ADMIN_EMAIL: ${address} ${problem}`);
  }
  if (e.SMTP_URL && e.SMTP_TIMEOUT_MS >= e.OUTBOX_LEASE_MS) {
    // A worker does not start a delivery its lease may not outlast (another worker would send it again).
    problems.push('SMTP_TIMEOUT_MS: must be less than OUTBOX_LEASE_MS, or no message could ever be sent');
  }
  try {
    new Intl.DateTimeFormat(e.MAIL_LOCALE, { timeZone: e.MAIL_TIME_ZONE });
  } catch (err) {
    problems.push(`MAIL_LOCALE / MAIL_TIME_ZONE: ${(err as Error).message}`);
  }
  if (problems.length) throw new ConfigError(problems);
  let smtpServer: string | undefined;
  if (e.SMTP_URL) {
    const url = new URL(e.SMTP_URL);
    smtpServer = `${url.protocol}//${url.host}`;
  }
  return Object.freeze({
    smtpUrl: e.SMTP_URL,
    smtpServer,
    smtpTimeoutMs: e.SMTP_TIMEOUT_MS,
    from,
    fromConfigured: !!e.MAIL_FROM?.trim(),
    dir: resolve(e.MAIL_DIR),
    templatesDir: e.MAIL_TEMPLATES_DIR?.trim() ? resolve(e.MAIL_TEMPLATES_DIR.trim()) : undefined,
    shopAdminEmails: Object.freeze(e.SHOP_ADMIN_EMAIL),
    locale: e.MAIL_LOCALE,
    timeZone: e.MAIL_TIME_ZONE,
    messageIdHost: host || 'localhost',
  });
}
