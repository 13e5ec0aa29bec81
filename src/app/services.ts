/** Builds the service objects once per process; resolvers and routes reach them through here. */
import { LockMode } from '@mikro-orm/core';
import { DatabaseKind, type AppConfig } from '../config/config.js';
import type { Orm } from '../db/orm.js';
import { GatewayRegistry } from '../gateways/gateway-registry.js';
import { GatewayName } from '../gateways/gateway.js';
import { CartService } from '../modules/cart/cart.service.js';
import { ProductService } from '../modules/catalogue/product.service.js';
import { NotificationInbox } from '../modules/inbox/notification-inbox.service.js';
import type { LiveStatusBus } from '../modules/live/live-status.bus.js';
import { CheckoutService } from '../modules/order/checkout.service.js';
import { OrderQueryService } from '../modules/order/order-query.service.js';
import { RedirectOutcomeService } from '../modules/order/redirect-outcome.service.js';
import { PaymentStateService } from '../modules/payment/payment-state.service.js';
import { PromotionService } from '../modules/promotions/promotion.service.js';
import { TransitionService } from '../modules/transition/transition.service.js';

export interface Services {
  config: AppConfig;
  orm: Orm;
  live: LiveStatusBus;
  gateways: GatewayRegistry;
  transitions: TransitionService;
  products: ProductService;
  promotions: PromotionService;
  carts: CartService;
  checkout: CheckoutService;
  redirects: RedirectOutcomeService;
  orderQueries: OrderQueryService;
  payments: PaymentStateService;
  inbox: NotificationInbox;
}

export function createServices(config: AppConfig, orm: Orm, live: LiveStatusBus, gateways = GatewayRegistry.fromConfig(config)): Services {
  const isPg = config.database.kind === DatabaseKind.POSTGRESQL;
  const transitions = new TransitionService(orm, config.database.kind, live);
  const allowTestMode = (g: GatewayName) => (g === GatewayName.QUICKPAY ? config.quickpay.allowTestMode : false);
  const payments = new PaymentStateService(orm, allowTestMode);
  return {
    config,
    orm,
    live,
    gateways,
    transitions,
    products: new ProductService(orm),
    promotions: new PromotionService(orm),
    carts: new CartService(orm, transitions),
    checkout: new CheckoutService(config, transitions, gateways, isPg ? LockMode.PESSIMISTIC_WRITE : undefined),
    redirects: new RedirectOutcomeService(orm, transitions, config.quickpay.allowTestMode),
    orderQueries: new OrderQueryService(orm),
    payments,
    inbox: new NotificationInbox(orm, transitions, payments),
  };
}
