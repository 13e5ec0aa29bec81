/**
 * The service's configuration: every environment variable the service reads is read here, once, into a typed,
 * frozen object. Nothing else touches `process.env`.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

/** Which database a `DATABASE_URL` selects. */
export enum DatabaseKind {
  SQLITE = 'sqlite',
  POSTGRESQL = 'postgresql',
}

export interface DatabaseConfig {
  readonly kind: DatabaseKind;
  /** A file path (SQLite, `:memory:` allowed) or a `postgres://` URL. */
  readonly url: string;
}

export interface QuickPayConfig {
  readonly merchantId: string;
  readonly agreementId: string;
  /** Payment window / API user key: signs the payment window form and authenticates status API calls. */
  readonly apiKey: string;
  /** Account private key: verifies callbacks. Never the API key. */
  readonly privateKey: string;
  /** Where the storefront posts the payment window form. */
  readonly paymentWindowUrl: string;
  /** Base URL of the QuickPay REST API (status, capture, refund, cancel). */
  readonly apiUrl: string;
  /** Seed 003: accept payments made with test cards. Off in production; a test payment is then flagged, never made ready. */
  readonly allowTestMode: boolean;
  /** Source addresses allowed to post callbacks (CIDR or single addresses); empty allows any. */
  readonly allowedSources: readonly string[];
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
  /** Where the shopper returns after the gateway (the storefront's confirmation page); `{orderId}` and `{outcome}` are filled in. */
  readonly storefrontReturnUrl: string;
  /** Largest callback body accepted, in bytes. */
  readonly callbackBodyLimit: number;
  readonly logLevel: string;
  readonly quickpay: QuickPayConfig;
}

const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

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
  QUICKPAY_MERCHANT_ID: z.string().default(''),
  QUICKPAY_AGREEMENT_ID: z.string().default(''),
  QUICKPAY_API_KEY: z.string().default(''),
  QUICKPAY_PRIVATE_KEY: z.string().default(''),
  QUICKPAY_PAYMENT_WINDOW_URL: z.string().url().default('https://payment.quickpay.net'),
  QUICKPAY_API_URL: z.string().url().default('https://api.quickpay.net'),
  QUICKPAY_ALLOW_TEST_MODE: flag,
  QUICKPAY_ALLOWED_SOURCES: csv,
});

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

/** Builds the configuration from an environment (by default the process's own). */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.PORT === 0 && !e.PUBLIC_BASE_URL) {
    // A port the OS picks at start-up cannot be written into the callback and return URLs given to gateways.
    throw new ConfigError(['PUBLIC_BASE_URL: required when PORT is 0 (the callback URL must name a real port)']);
  }
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    database: Object.freeze(parseDatabaseUrl(e.DATABASE_URL)),
    redisUrl: e.REDIS_URL,
    adminApiKey: e.ADMIN_API_KEY,
    publicBaseUrl,
    storefrontReturnUrl: e.STOREFRONT_RETURN_URL ?? `${publicBaseUrl}/shop/confirmation.html?order={orderId}&outcome={outcome}`,
    callbackBodyLimit: e.CALLBACK_BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    quickpay: Object.freeze({
      merchantId: e.QUICKPAY_MERCHANT_ID,
      agreementId: e.QUICKPAY_AGREEMENT_ID,
      apiKey: e.QUICKPAY_API_KEY,
      privateKey: e.QUICKPAY_PRIVATE_KEY,
      paymentWindowUrl: e.QUICKPAY_PAYMENT_WINDOW_URL.replace(/\/+$/, ''),
      apiUrl: e.QUICKPAY_API_URL.replace(/\/+$/, ''),
      allowTestMode: e.QUICKPAY_ALLOW_TEST_MODE,
      allowedSources: Object.freeze(e.QUICKPAY_ALLOWED_SOURCES),
    }),
  });
}
