/** The gateways configured on this service, by name: only these are offered at checkout and take callbacks. */
import type { AppConfig } from '../config/config.js';
import { GATEWAY_MODULES } from './gateway-catalogue.js';
import { GatewayNotConfiguredError } from '../errors/app-errors.js';
import type { GatewayName, PaymentGateway } from './gateway.js';

export class GatewayRegistry {
  private readonly gateways = new Map<GatewayName, PaymentGateway>();

  constructor(gateways: PaymentGateway[]) {
    for (const g of gateways) this.gateways.set(g.name, g);
  }

  /** Each gateway of the catalogue whose configuration section is complete enough to take payments. */
  static fromConfig(config: AppConfig, fetchImpl?: typeof fetch): GatewayRegistry {
    return new GatewayRegistry(
      GATEWAY_MODULES.filter((m) => config.gateways.has(m.name)).map((m) => m.create(config.gateways.get(m.name), fetchImpl)),
    );
  }

  /** The gateway, or GatewayNotConfiguredError (GATEWAY_NOT_CONFIGURED) when this service does not speak to it. */
  get(name: GatewayName): PaymentGateway {
    const g = this.gateways.get(name);
    if (!g) throw new GatewayNotConfiguredError(name);
    return g;
  }

  has(name: GatewayName): boolean {
    return this.gateways.has(name);
  }

  /** Looks a gateway up by its URL slug (`quickpay`), for the callback bridge. */
  bySlug(slug: string): PaymentGateway | undefined {
    const m = GATEWAY_MODULES.find((x) => x.slug === slug.toLowerCase());
    return m ? this.gateways.get(m.name) : undefined;
  }
}

/** The URL slug of a gateway (`/callbacks/<slug>`). */
export function gatewaySlug(name: GatewayName): string {
  const m = GATEWAY_MODULES.find((x) => x.name === name);
  if (!m) throw new GatewayNotConfiguredError(name);
  return m.slug;
}
