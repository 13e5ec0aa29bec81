/**
 * Builds the service objects once per process; resolvers and routes reach them through here. Throws when the mail
 * templates cannot be read or rendered (MailTemplateError).
 */
import { LockMode } from '@mikro-orm/core';
import { DATABASE_TIMEOUT_DEFAULTS, DatabaseKind, type AppConfig } from '../config/config.js';
import { EntityWriter } from '../db/busy-retry.js';
import type { Orm } from '../db/orm.js';
import { GatewayRegistry } from '../gateways/gateway-registry.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { CartService } from '../modules/cart/cart.service.js';
import { ProductService } from '../modules/catalogue/product.service.js';
import { databaseCheck, Readiness } from '../modules/health/readiness.js';
import { NotificationInbox } from '../modules/inbox/notification-inbox.service.js';
import { InboxRetention } from '../modules/inbox/inbox-retention.js';
import { RejectionLimiter } from '../modules/inbox/rejection-limiter.js';
import type { LiveStatusBus } from '../modules/live/live-status.bus.js';
import { CheckoutService } from '../modules/order/checkout.service.js';
import { FlaggedOrderService } from '../modules/order/flagged-orders.service.js';
import { OrderQueryService } from '../modules/order/order-query.service.js';
import { OrderSearch } from '../modules/order/order-search.js';
import { OutboxAdminService } from '../modules/outbox/outbox-admin.service.js';
import { RedirectOutcomeService } from '../modules/order/redirect-outcome.service.js';
import { PaymentStateService } from '../modules/payment/payment-state.service.js';
import { PaymentMethodService } from '../modules/payment-method/payment-method.service.js';
import { PaymentOperationService } from '../modules/payment-operation/payment-operations.service.js';
import { PendingPaymentsService } from '../modules/reconciler/pending-payments.service.js';
import { PaymentReconciler } from '../modules/reconciler/reconciler.js';
import { PromotionService } from '../modules/promotions/promotion.service.js';
import { ShopWebhookSender } from '../modules/shop-webhook/shop-webhook.sender.js';
import { TransitionService } from '../modules/transition/transition.service.js';
import { ForegroundLoad } from '../workers/foreground-load.js';
import type { Logger } from './logger.js';

export interface Services {
  config: AppConfig;
  log: Logger;
  orm: Orm;
  /** Writes outside a lineage, patient with other writers' locks. */
  writer: EntityWriter;
  readiness: Readiness;
  live: LiveStatusBus;
  gateways: GatewayRegistry;
  transitions: TransitionService;
  products: ProductService;
  promotions: PromotionService;
  carts: CartService;
  paymentMethods: PaymentMethodService;
  /** The back office's capture, refund, cancel and recurring charges, through the operations ledger. */
  paymentOperations: PaymentOperationService;
  checkout: CheckoutService;
  redirects: RedirectOutcomeService;
  flaggedOrders: FlaggedOrderService;
  orderQueries: OrderQueryService;
  orderSearch: OrderSearch;
  payments: PaymentStateService;
  inbox: NotificationInbox;
  inboxRetention: InboxRetention;
  outboxAdmin: OutboxAdminService;
  reconciler: PaymentReconciler;
  pendingPayments: PendingPaymentsService;
  /** Signs and sends the shop's webhooks; null when SHOP_WEBHOOK_URL is not set. */
  shopWebhook: ShopWebhookSender | null;
  /** The confirmation e-mail and the shop's alerts (SMTP, or the local mail folder). */
  mailer: Mailer;
  /** Requests this process's HTTP server is answering; the workers give way to them. */
  foreground: ForegroundLoad;
}

export function createServices(config: AppConfig, log: Logger, orm: Orm, live: LiveStatusBus, gateways = GatewayRegistry.fromConfig(config)): Services {
  const isPg = config.database.kind === DatabaseKind.POSTGRESQL;
  const busyTimeoutMs = (config.database.timeouts ?? DATABASE_TIMEOUT_DEFAULTS).busyMs;
  const writer = new EntityWriter(orm, busyTimeoutMs);
  const transitions = new TransitionService(orm, config.database.kind, live, log.child({ component: 'transitions' }), busyTimeoutMs);
  const liveCheck = live.healthCheck();
  const payments = new PaymentStateService();
  const lockMode = isPg ? LockMode.PESSIMISTIC_WRITE : undefined;
  const paymentMethods = new PaymentMethodService(orm, writer, gateways, lockMode);
  // It reads and tries every mail template, so a broken one stops the start before anything runs.
  const mailer = createMailer(config.mail, log.child({ component: 'mail' }));
  const reconciler = new PaymentReconciler(orm, config.database.kind, transitions, payments, gateways, config.reconciler, busyTimeoutMs, log.child({ component: 'reconciler' }));
  const { url: webhookUrl, secret: webhookSecret, ...webhookBounds } = config.shopWebhook;
  // Made at start-up in every role, so a secret the signer cannot use stops the start (the configuration checked it).
  const shopWebhook = webhookUrl && webhookSecret ? new ShopWebhookSender({ url: webhookUrl, secret: webhookSecret, ...webhookBounds }) : null;
  return {
    config,
    log,
    orm,
    writer,
    readiness: new Readiness([databaseCheck(orm, config.healthCheckTimeoutMs), ...(liveCheck ? [liveCheck] : [])], config.healthCheckTimeoutMs),
    live,
    gateways,
    transitions,
    products: new ProductService(orm, writer),
    promotions: new PromotionService(orm, writer),
    carts: new CartService(orm, writer, transitions),
    paymentMethods,
    paymentOperations: new PaymentOperationService(orm, transitions, payments, gateways, config.reconciler, log.child({ component: 'payment-operations' })),
    checkout: new CheckoutService(config, transitions, gateways, paymentMethods, writer, lockMode),
    redirects: new RedirectOutcomeService(transitions, gateways, payments),
    flaggedOrders: new FlaggedOrderService(transitions),
    orderQueries: new OrderQueryService(orm),
    orderSearch: new OrderSearch(orm),
    payments,
    inbox: new NotificationInbox(
      orm,
      writer,
      transitions,
      payments,
      config.inbox,
      new RejectionLimiter(config.inbox.rejectedPerMinutePerSource),
      log.child({ component: 'inbox' }),
    ),
    outboxAdmin: new OutboxAdminService(orm, writer),
    reconciler,
    pendingPayments: new PendingPaymentsService(orm, transitions, reconciler),
    shopWebhook,
    inboxRetention: new InboxRetention(orm, config.inbox.rejectedRetentionHours, busyTimeoutMs, log.child({ component: 'inbox-retention' })),
    mailer,
    foreground: new ForegroundLoad(config.outbox.yieldAtInFlight),
  };
}
