import type { AppConfig } from '../config/config.js';
import { GatewayName, type PaymentGateway } from './gateway.js';
import { QuickPayGateway } from './quickpay/quickpay.adapter.js';

/** The configured gateways, by name. */
export class GatewayRegistry {
  private readonly gateways = new Map<GatewayName, PaymentGateway>();

  constructor(gateways: PaymentGateway[]) {
    for (const g of gateways) this.gateways.set(g.name, g);
  }

  static fromConfig(config: AppConfig): GatewayRegistry {
    return new GatewayRegistry([new QuickPayGateway(config.quickpay)]);
  }

  get(name: GatewayName): PaymentGateway {
    const g = this.gateways.get(name);
    if (!g) throw new Error(`gateway ${name} is not configured`);
    return g;
  }

  /** Looks a gateway up by its URL slug (`quickpay`), for the callback bridge. */
  bySlug(slug: string): PaymentGateway | undefined {
    return [...this.gateways.values()].find((g) => g.name.toLowerCase() === slug.toLowerCase());
  }
}
