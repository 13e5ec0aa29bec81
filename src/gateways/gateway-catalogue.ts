/**
 * Every gateway the service can speak, one module per folder. Adding a gateway is its folder, one line here and
 * one value of GatewayName.
 */
import type { GatewayModule } from './gateway-module.js';
import { lyraModule } from './lyra/lyra.module.js';
import { quickPayModule } from './quickpay/quickpay.module.js';
import { stripeModule } from './stripe/stripe.module.js';

export const GATEWAY_MODULES: readonly GatewayModule[] = [quickPayModule, lyraModule, stripeModule];
