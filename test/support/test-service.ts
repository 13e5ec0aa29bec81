/**
 * Boots the real service (same bootstrap as `npm start`) on a scratch database and a free port, with QuickPay
 * keys known to the test, plus a typed GraphQL client. `close()` stops it and drops the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { bootstrap, type RunningService } from '../../src/app/bootstrap.js';
import { loadConfig, type AppConfig, type DatabaseKind } from '../../src/config/config.js';
import type { GatewayRegistry } from '../../src/gateways/gateway-registry.js';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { GatewayName } from '../../src/gateways/gateway.js';
import type { PaymentMethodInput } from '../../src/modules/payment-method/payment-method.service.js';
import { testDatabaseKind } from './test-database.js';

export const TEST_KEYS = {
  adminApiKey: 'test-admin-key-0123456789',
  merchantId: '1234',
  agreementId: '5678',
  apiKey: 'test-quickpay-api-key',
  privateKey: 'test-quickpay-private-key',
} as const;

export interface TestService extends RunningService {
  /** Runs a typed GraphQL operation over HTTP; `token` is the bearer (admin key by default; null for none). */
  gql<R, V extends Record<string, unknown>>(doc: TypedDocumentNode<R, V>, variables: V, token?: string | null): Promise<GqlResult<R>>;
  /** Like gql, but fails on errors and returns the data. */
  gqlOk<R, V extends Record<string, unknown>>(doc: TypedDocumentNode<R, V>, variables: V, token?: string | null): Promise<R>;
  databaseKind: DatabaseKind;
}

export interface GqlResult<R> {
  data?: R | null;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

/** The payment method every test service offers unless told otherwise: QuickPay, test cards allowed. */
export const TEST_PAYMENT_METHOD = { code: 'card', name: 'Card', gateway: GatewayName.QUICKPAY, testCardsAllowed: true } as const;

export interface TestServiceOptions {
  /** The gateways to use instead of the configured ones (a test's own adapter). */
  gateways?: (config: AppConfig) => GatewayRegistry;
  /** The payment method to make at start (default TEST_PAYMENT_METHOD); null for none. */
  paymentMethod?: PaymentMethodInput | null;
  env?: Record<string, string>;
  databaseKind?: DatabaseKind;
  /** Reuse an existing database (several instances on one database); otherwise a scratch one is made. */
  databaseUrl?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const kind = options.databaseKind ?? testDatabaseKind();
  const scratch = options.databaseUrl ? null : await createScratchDatabase(kind, 'test');
  const port = await freePort();
  // Without SMTP_URL, e-mail goes to a folder: one of the test's own, never the project's ./data/mail.
  const mailDir = mkdtempSync(join(tmpdir(), 'reconciler-mail-'));
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl ?? scratch!.config.url,
    ADMIN_API_KEY: TEST_KEYS.adminApiKey,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    QUICKPAY_MERCHANT_ID: TEST_KEYS.merchantId,
    QUICKPAY_AGREEMENT_ID: TEST_KEYS.agreementId,
    QUICKPAY_API_KEY: TEST_KEYS.apiKey,
    QUICKPAY_PRIVATE_KEY: TEST_KEYS.privateKey,
    // Background delivery of side effects only where a test asks for it (SERVICE_ROLE=all): the others assert
    // what a transition wrote, and must not race a worker acting on it.
    SERVICE_ROLE: 'web',
    MAIL_DIR: mailDir,
    ...options.env,
  });
  let running: RunningService;
  try {
    running = await bootstrap(config, options.gateways ? { gateways: options.gateways(config) } : {});
    // The method the tests check out with; test cards allowed, as a shop allows them while it tests.
    if (options.paymentMethod !== null) await running.services.paymentMethods.ensure(options.paymentMethod ?? TEST_PAYMENT_METHOD);
  } catch (e) {
    await scratch?.drop();
    rmSync(mailDir, { recursive: true, force: true });
    throw e;
  }

  const gql = async <R, V extends Record<string, unknown>>(doc: TypedDocumentNode<R, V>, variables: V, token: string | null = TEST_KEYS.adminApiKey) => {
    const res = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: print(doc), variables }),
    });
    return (await res.json()) as GqlResult<R>;
  };
  return {
    ...running,
    databaseKind: kind,
    gql,
    async gqlOk(doc, variables, token) {
      const result = await gql(doc, variables, token);
      if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    async close() {
      await running.close();
      await scratch?.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}
