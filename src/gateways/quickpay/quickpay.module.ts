/** QuickPay in the gateway catalogue: its configuration section and its adapter. */
import { GatewayName } from '../gateway.js';
import type { GatewayModule } from '../gateway-module.js';
import { QuickPayGateway } from './quickpay.adapter.js';
import { quickPayWarnings, readQuickPayConfig, type QuickPayConfig } from './quickpay.config.js';
import { CHECKSUM_HEADER } from './quickpay.signing.js';

export const quickPayModule: GatewayModule<QuickPayConfig> = {
  name: GatewayName.QUICKPAY,
  slug: 'quickpay',
  secretHeaders: [CHECKSUM_HEADER],
  readConfig: readQuickPayConfig,
  warnings: quickPayWarnings,
  create: (config, fetchImpl) => new QuickPayGateway(config, fetchImpl),
};
