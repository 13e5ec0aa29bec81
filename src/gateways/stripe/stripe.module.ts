/** Stripe in the gateway catalogue: its configuration section and its adapter. */
import { GatewayName } from '../gateway.js';
import type { GatewayModule } from '../gateway-module.js';
import { StripeGateway } from './stripe.adapter.js';
import { readStripeConfig, stripeWarnings, type StripeConfig } from './stripe.config.js';
import { SIGNATURE_HEADER } from './stripe.signing.js';

export const stripeModule: GatewayModule<StripeConfig> = {
  name: GatewayName.STRIPE,
  slug: 'stripe',
  secretHeaders: [SIGNATURE_HEADER],
  readConfig: readStripeConfig,
  warnings: stripeWarnings,
  create: (config, fetchImpl) => new StripeGateway(config, fetchImpl),
};
