/**
 * What a gateway's folder gives the service besides its adapter: its own configuration section (its environment
 * variables, read and checked by itself), what it still lacks at start-up, and the headers that carry its secrets.
 * The catalogue (gateway-catalogue.ts) lists every module; nothing else in the core names a gateway.
 */
import type { GatewayName, PaymentGateway } from './gateway.js';

/** A gateway's settings as read from the environment: null when it is not configured here (then it is not offered). */
export interface GatewaySettings<C> {
  config: C | null;
  /** Values that are set but wrong: the start fails, listing them with the rest of the configuration's problems. */
  problems: string[];
}

export interface GatewayModule<C = unknown> {
  readonly name: GatewayName;
  /** Lower-case name in URLs: `/callbacks/<slug>`. */
  readonly slug: string;
  /** Notification headers that carry a signature or secret: never logged. */
  readonly secretHeaders: readonly string[];
  readConfig(env: Readonly<Record<string, string | undefined>>): GatewaySettings<C>;
  /** What the configuration does not allow yet, said once at start-up (`config` null: the gateway is off). */
  warnings(config: C | null): string[];
  create(config: C, fetchImpl?: typeof fetch): PaymentGateway;
}
