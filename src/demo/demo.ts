/**
 * The demo in one call: the QuickPay simulator in-process, the real service wired to it (same bootstrap as
 * `npm start`), a small tea-shop catalogue, and the storefront under `/shop/`. `npm run demo` runs it through
 * main.ts; the end-to-end tests call `startDemo` directly.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { bootstrap, type RunningService } from '../app/bootstrap.js';
import { loadConfig } from '../config/config.js';
import type { ProductInput } from '../modules/catalogue/product.service.js';
import { NotFoundError } from '../errors/app-errors.js';
import { GatewayName } from '../gateways/gateway.js';
import { startQuickPaySimulator, type QuickPaySimulator } from '../simulator/quickpay-simulator.js';
import { mailboxRoutes, startDemoMailbox, type DemoMailbox } from './demo-mailbox.js';
import { storefrontRoutes } from './storefront.routes.js';

/** Demo-only secrets: they protect nothing but a simulator on your own machine. Never use them for real. */
export const DEMO_KEYS = {
  adminApiKey: 'demo-admin-key-not-a-secret',
  merchantId: '1000',
  agreementId: '2000',
  apiKey: 'demo-quickpay-api-key',
  privateKey: 'demo-quickpay-private-key',
} as const;

/** What the shop sells; seeded on start unless a product with the SKU exists (its stock is then kept). */
export const DEMO_CATALOGUE: readonly ProductInput[] = [
  { sku: 'TEA-SENCHA', name: 'Sencha green tea, 100 g', unitPrice: 6500, currency: 'DKK', stockOnHand: 50 },
  { sku: 'TEA-EARL', name: 'Earl Grey, 100 g', unitPrice: 4500, currency: 'DKK', stockOnHand: 100 },
  { sku: 'MUG-STONE', name: 'Stoneware mug', unitPrice: 12900, currency: 'DKK', stockOnHand: 20 },
  { sku: 'POT-IRON', name: 'Cast iron teapot, 0.8 l', unitPrice: 39900, currency: 'DKK', stockOnHand: 5 },
];

/** Where the demo's e-mail comes from and goes: its own shop, and its own mail server's mailbox. */
export const DEMO_MAIL = {
  from: 'Leaf & Kettle <orders@leaf-and-kettle.example>',
  shopAdmin: 'shop@leaf-and-kettle.example',
} as const;

export interface RunningDemo {
  service: RunningService;
  simulator: QuickPaySimulator;
  mailbox: DemoMailbox;
  urls: { storefront: string; graphql: string; graphqlWs: string; simulator: string; mailbox: string; smtp: string };
  adminApiKey: string;
  /** The text `npm run demo` prints: where to go and what to try. */
  banner(): string;
  close(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the demo. Reads (from `env`, by default the process's): PORT (4000; 0 picks a free one), HOST (127.0.0.1),
 * DATABASE_URL (./data/demo.sqlite), PUBLIC_BASE_URL, ADMIN_API_KEY, LOG_LEVEL (warn), REDIS_URL,
 * SIMULATOR_PORT (4010; 0 picks a free one), SIMULATOR_PUBLIC_URL (the simulator's address as browsers reach it),
 * SIMULATOR_RETRY_INTERVAL_MS (3000), RECONCILER_SCHEDULE (5s), DEMO_SMTP_PORT (2525; 0 picks a free one),
 * SHOP_ADMIN_EMAIL, MAIL_FROM. The QuickPay settings always point at the in-process simulator with the demo keys,
 * and SMTP_URL at the demo's own mail server, whatever the environment says.
 */
export async function startDemo(env: Record<string, string | undefined> = process.env): Promise<RunningDemo> {
  // Empty variables count as unset, as in a .env file with `KEY=`.
  const e = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
  const host = e.HOST ?? '127.0.0.1';
  const logLevel = e.LOG_LEVEL ?? 'warn';
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const browserHost = shown.includes(':') ? `[${shown}]` : shown;

  const simulator = await startQuickPaySimulator({
    port: Number(e.SIMULATOR_PORT ?? 4010),
    host,
    publicUrl: e.SIMULATOR_PUBLIC_URL,
    apiKey: DEMO_KEYS.apiKey,
    privateKey: DEMO_KEYS.privateKey,
    merchantId: DEMO_KEYS.merchantId,
    // Slow enough that the confirmation page visibly waits when the first callback fails (card 01/25).
    retryIntervalMs: Number(e.SIMULATOR_RETRY_INTERVAL_MS ?? 3000),
    logger: logLevel === 'silent' ? undefined : pino({ name: 'quickpay-simulator', level: logLevel }),
  });

  let service: RunningService | undefined;
  let mailbox: DemoMailbox | undefined;
  try {
    mailbox = await startDemoMailbox({ host, port: Number(e.DEMO_SMTP_PORT ?? 2525), log: logLevel === 'silent' ? undefined : pino({ name: 'demo-mailbox', level: logLevel }) });
    // The public base URL needs the real port (callbacks and return URLs are built from it), so 0 is resolved here.
    const port = e.PORT === '0' ? await freePort(host) : Number(e.PORT ?? 4000);
    const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://${browserHost}:${port}`).replace(/\/+$/, '');
    const config = loadConfig({
      ...e,
      PORT: String(port),
      HOST: host,
      DATABASE_URL: e.DATABASE_URL ?? './data/demo.sqlite',
      PUBLIC_BASE_URL: publicBaseUrl,
      // Shoppers come back to the demo storefront's confirmation page (storefront.js also sends it per checkout).
      STOREFRONT_RETURN_URL: e.STOREFRONT_RETURN_URL ?? `${publicBaseUrl}/shop/confirmation.html?order={orderId}&outcome={outcome}`,
      ADMIN_API_KEY: e.ADMIN_API_KEY ?? DEMO_KEYS.adminApiKey,
      LOG_LEVEL: logLevel,
      QUICKPAY_MERCHANT_ID: DEMO_KEYS.merchantId,
      QUICKPAY_AGREEMENT_ID: DEMO_KEYS.agreementId,
      QUICKPAY_API_KEY: DEMO_KEYS.apiKey,
      QUICKPAY_PRIVATE_KEY: DEMO_KEYS.privateKey,
      QUICKPAY_PAYMENT_WINDOW_URL: simulator.url,
      QUICKPAY_API_URL: simulator.url,
      // The simulator posts callbacks from this machine; any allow-list from the environment would refuse them.
      QUICKPAY_ALLOWED_SOURCES: '',
      // QuickPay's hours, shrunk to seconds so a dropped callback visibly ends READY through the reconciler.
      RECONCILER_SCHEDULE: e.RECONCILER_SCHEDULE ?? '5s',
      RECONCILER_GIVE_UP_AFTER: e.RECONCILER_GIVE_UP_AFTER ?? '10m',
      PENDING_PAYMENT_ALERT_AFTER: e.PENDING_PAYMENT_ALERT_AFTER ?? '1m',
      // Every e-mail goes to the demo's own mail server, shown at /shop/mailbox.html.
      SMTP_URL: mailbox.smtpUrl,
      MAIL_FROM: e.MAIL_FROM ?? DEMO_MAIL.from,
      SHOP_ADMIN_EMAIL: e.SHOP_ADMIN_EMAIL ?? DEMO_MAIL.shopAdmin,
    });
    const box = mailbox;
    service = await bootstrap(config, {
      register: async (app) => {
        await storefrontRoutes(app);
        await mailboxRoutes(app, box);
        app.get('/', async (_req, reply) => reply.redirect('/shop/', 302));
      },
    });
    await seedCatalogue(service);
    // The simulator's cards are test cards: a method that refused them would flag every demo payment.
    for (const method of DEMO_PAYMENT_METHODS) await service.services.paymentMethods.ensure(method);
  } catch (err) {
    await service?.close();
    await mailbox?.close();
    await simulator.close();
    throw err;
  }
  const running = service;
  const mail = mailbox;

  const base = running.services.config.publicBaseUrl;
  const urls = {
    storefront: `${base}/shop/`,
    graphql: `${base}/graphql`,
    graphqlWs: `${base.replace(/^http/, 'ws')}/graphql`,
    simulator: simulator.url,
    mailbox: `${base}/shop/mailbox.html`,
    smtp: mail.smtpUrl,
  };
  const adminApiKey = running.services.config.adminApiKey ?? DEMO_KEYS.adminApiKey;
  let closing: Promise<void> | undefined;
  return {
    service: running,
    simulator,
    mailbox: mail,
    urls,
    adminApiKey,
    banner: () => banner(urls, adminApiKey, running.services.config.database.url),
    close: () =>
      (closing ??= (async () => {
        await simulator.close();
        await running.close();
        await mail.close();
      })()),
  };
}

/** How the demo shop lets shoppers pay (created on start when missing; the back office may change them). */
export const DEMO_PAYMENT_METHODS = [{ code: 'card', name: 'Card (QuickPay simulator)', gateway: GatewayName.QUICKPAY, testCardsAllowed: true }] as const;

/** Creates the products that are missing; existing ones (and their stock) are left alone. */
export async function seedCatalogue(service: RunningService, catalogue: readonly ProductInput[] = DEMO_CATALOGUE): Promise<void> {
  for (const product of catalogue) {
    try {
      await service.services.products.get(product.sku);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      await service.services.products.upsert(product);
    }
  }
}

function banner(urls: RunningDemo['urls'], adminApiKey: string, database: string): string {
  const sim = urls.simulator;
  return `
Order Reconciler demo
=====================

  Storefront     ${urls.storefront}
  GraphQL        ${urls.graphql}   (subscriptions: ${urls.graphqlWs})
  QuickPay sim   ${sim}   (payment window, status API, /_sim/ control API)
  Mailbox        ${urls.mailbox}   (what the demo's own SMTP server, ${urls.smtp}, received)
  Database       ${database}
  Admin API key  ${adminApiKey}   (demo only: back-office queries such as orders, inboxMessages)

Try this
  1. Open the storefront, add some tea, write a gift note, give an e-mail address, press "Check out".
  2. In the simulated QuickPay window press "Pay": the confirmation page says we are waiting for the payment,
     then "Payment confirmed" as soon as the gateway's signed callback arrives (live, over graphql-ws).
     The order confirmation e-mail arrives in the mailbox (${urls.mailbox}) once, when the order is ready;
     an order that needs the shop's attention (a pot out of stock: buy six) sends the shop an alert there too.
  3. Check out again and press "Cancel" in the window: the order is cancelled and the same cart is open again.
  4. Pay with expiry month 01 and year 25: the first callback carries a bad signature and is refused (401);
     the simulator retries a few seconds later and the page turns to "Payment confirmed" by itself.
  5. Break the gateway on purpose. Faults for every payment opened from now on ('{}' turns them off):
       curl -X PUT ${sim}/_sim/faults -H 'content-type: application/json' -d '{"drop":true}'
     (or "duplicate": 2, "reorder": true, "delayMs": 5000, "failFirstAttempt": true). With "drop" the callback
     never comes: the confirmation page says it waits, and within seconds the reconciler asks the simulator's API
     and the order turns ready by itself. What the simulator holds, sent and was answered:
       curl ${sim}/_sim/payments
     A payment's {id} is in the window's address (/window/{id}) and its {order_id} is the window's "Order R…".
     Let one payment's callbacks through again, then resend its callback:
       curl -X PUT ${sim}/_sim/payments/{order_id}/faults -H 'content-type: application/json' -d '{"drop":false}'
       curl -X POST ${sim}/_sim/payments/{id}/callbacks
  6. Capture a payment through the simulated QuickPay API (amount in minor units, at most the authorised amount):
       curl -u :${DEMO_KEYS.apiKey} -H 'Accept-Version: v10' -H 'content-type: application/json' \\
            -X POST ${sim}/payments/{id}/capture -d '{"amount":6500}'
  7. The back office's view, with the audit trail of every transition:
       curl ${urls.graphql} -H 'content-type: application/json' -H 'authorization: Bearer ${adminApiKey}' \\
            -d '{"query":"{ orders(first: 5) { edges { node { id status paymentStatus total transitions { subject toStatus trigger source } } } } }"}'

Stop with Ctrl+C.
`;
}
