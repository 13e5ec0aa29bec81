/** Lyra (PayZen, Systempay, Sogecommerce) in the gateway catalogue: its configuration section and its adapter. */
import { GatewayName } from '../gateway.js';
import type { GatewayModule } from '../gateway-module.js';
import { LyraGateway } from './lyra.adapter.js';
import { lyraWarnings, readLyraConfig, type LyraConfig } from './lyra.config.js';

export const lyraModule: GatewayModule<LyraConfig> = {
  name: GatewayName.LYRA,
  slug: 'lyra',
  // Lyra signs in the body (`signature`, `kr-hash`), never in a header: no header to hide. The body is the signed
  // message itself, kept byte for byte in the inbox as every gateway's is; a signature is a MAC, not a key.
  secretHeaders: [],
  readConfig: readLyraConfig,
  warnings: lyraWarnings,
  create: (config, fetchImpl) => new LyraGateway(config, fetchImpl),
};
