/**
 * Lyra's own configuration section (PayZen, Systempay, Sogecommerce: one platform, one set of variables). Lyra is
 * offered when LYRA_SITE_ID and the key of the configured mode (LYRA_KEY_TEST or LYRA_KEY_PRODUCTION) are set:
 * without them neither a payment form can be signed nor an IPN verified. The REST password and HMAC key are warned
 * about when missing (no status questions, no capture / refund / cancel, no REST IPN or signed REST return), but do
 * not switch the gateway off: the form IPN and the signed form return work without them.
 */
import { z } from 'zod';
import { csv } from '../../config/env-values.js';
import { allowListProblems } from '../../modules/inbox/source-allow-list.js';
import type { GatewaySettings } from '../gateway-module.js';
import type { LyraSignatureAlgorithm } from './lyra.signing.js';

export type LyraMode = 'TEST' | 'PRODUCTION';

/** The addresses Lyra publishes for its IPN calls (GATEWAYS.md): the default allow-list. */
export const LYRA_PUBLISHED_SOURCES: readonly string[] = Object.freeze(['194.50.38.0/24']);

export interface LyraConfig {
  /** The shop's 8-digit site id (`vads_site_id`, the REST user name, REST `shopId`). */
  readonly siteId: string;
  /** The mode payments are made in; a message of the other mode is refused. */
  readonly ctxMode: LyraMode;
  /** The key of the configured mode: signs payment forms, verifies form IPNs and returns. Never logged. */
  readonly formKey: string;
  /** Both modes' keys, as set: a message is checked with the key of its own mode, then refused if that is not ours. */
  readonly keys: Readonly<Record<LyraMode, string>>;
  /** The form signature algorithm the shop's back office is set to. */
  readonly signatureAlgorithm: LyraSignatureAlgorithm;
  /**
   * SHA-1 form signatures are also accepted while the shop switches to HMAC-SHA-256 (GATEWAYS.md: "during an
   * algorithm switch both are accepted"). HMAC-SHA-256 is always accepted, SHA-1 only when configured or switching.
   */
  readonly acceptLegacySha1: boolean;
  /** REST API password of the mode: Basic auth of the REST API, and the key of server REST IPNs (`kr-hash-key=password`). */
  readonly restPassword: string;
  /** REST HMAC-SHA-256 key: the key of signed REST browser returns (`kr-hash-key=sha256_hmac`). */
  readonly restHmacKey: string;
  /** Where the storefront posts the payment form. */
  readonly paymentUrl: string;
  /** Base URL of the REST API (`{apiUrl}/api-payment/V4/...`). */
  readonly apiUrl: string;
  /** Source addresses allowed to post IPNs (CIDR or single addresses); empty allows any. */
  readonly allowedSources: readonly string[];
  /** Whether the allow-list is the published default (said at start-up). */
  readonly allowedSourcesDefaulted: boolean;
  /** How long a REST call may take; past it, whether Lyra acted is unknown. */
  readonly apiTimeoutMs: number;
}

const LyraEnv = z.object({
  LYRA_SITE_ID: z.string().default(''),
  LYRA_CTX_MODE: z.enum(['TEST', 'PRODUCTION']).default('TEST'),
  LYRA_KEY_TEST: z.string().default(''),
  LYRA_KEY_PRODUCTION: z.string().default(''),
  LYRA_SIGNATURE_ALGORITHM: z.enum(['HMAC_SHA256', 'SHA1']).default('HMAC_SHA256'),
  LYRA_ACCEPT_SHA1: z.enum(['true', 'false']).default('false'),
  LYRA_REST_PASSWORD: z.string().default(''),
  LYRA_REST_HMAC_KEY: z.string().default(''),
  // PayZen's addresses; Systempay and Sogecommerce shops point these at their own platform.
  LYRA_PAYMENT_URL: z.string().url().default('https://secure.payzen.eu/vads-payment/'),
  LYRA_API_URL: z.string().url().default('https://api.payzen.eu'),
  LYRA_ALLOWED_SOURCES: z.string().optional(),
  LYRA_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

export function readLyraConfig(env: Readonly<Record<string, string | undefined>>): GatewaySettings<LyraConfig> {
  const parsed = LyraEnv.safeParse(env);
  if (!parsed.success) return { config: null, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const e = parsed.data;
  const defaulted = e.LYRA_ALLOWED_SOURCES === undefined;
  const sources = defaulted ? [...LYRA_PUBLISHED_SOURCES] : csv.parse(e.LYRA_ALLOWED_SOURCES);
  const problems = allowListProblems(sources).map((p) => `LYRA_ALLOWED_SOURCES: ${p}`);
  if (e.LYRA_SITE_ID && !/^\d{8}$/.test(e.LYRA_SITE_ID)) problems.push('LYRA_SITE_ID: Lyra site ids are 8 digits');
  const formKey = e.LYRA_CTX_MODE === 'TEST' ? e.LYRA_KEY_TEST : e.LYRA_KEY_PRODUCTION;
  if (problems.length || !e.LYRA_SITE_ID || !formKey) return { config: null, problems };
  return {
    problems,
    config: {
      siteId: e.LYRA_SITE_ID,
      ctxMode: e.LYRA_CTX_MODE,
      formKey,
      keys: Object.freeze({ TEST: e.LYRA_KEY_TEST, PRODUCTION: e.LYRA_KEY_PRODUCTION }),
      signatureAlgorithm: e.LYRA_SIGNATURE_ALGORITHM,
      acceptLegacySha1: e.LYRA_SIGNATURE_ALGORITHM === 'SHA1' || e.LYRA_ACCEPT_SHA1 === 'true',
      restPassword: e.LYRA_REST_PASSWORD,
      restHmacKey: e.LYRA_REST_HMAC_KEY,
      paymentUrl: e.LYRA_PAYMENT_URL,
      apiUrl: e.LYRA_API_URL.replace(/\/+$/, ''),
      allowedSources: Object.freeze(sources),
      allowedSourcesDefaulted: defaulted,
      apiTimeoutMs: e.LYRA_API_TIMEOUT_MS,
    },
  };
}

export function lyraWarnings(config: LyraConfig | null): string[] {
  if (!config) {
    return ['LYRA_SITE_ID or the key of LYRA_CTX_MODE (LYRA_KEY_TEST / LYRA_KEY_PRODUCTION) is not set: Lyra is not offered, and its IPNs are refused.'];
  }
  const warnings: string[] = [];
  const missing = [
    ['LYRA_REST_PASSWORD', config.restPassword],
    ['LYRA_REST_HMAC_KEY', config.restHmacKey],
  ].filter(([, v]) => !v).map(([k]) => k);
  if (missing.includes('LYRA_REST_PASSWORD')) {
    warnings.push('LYRA_REST_PASSWORD is not set: the reconciler cannot ask Lyra about payments, captures / refunds / cancels fail, and REST IPNs are refused.');
  }
  if (missing.includes('LYRA_REST_HMAC_KEY')) warnings.push('LYRA_REST_HMAC_KEY is not set: signed REST browser returns are taken as hints only.');
  if (config.allowedSourcesDefaulted) {
    warnings.push(`LYRA_ALLOWED_SOURCES is not set: only Lyra's published ${LYRA_PUBLISHED_SOURCES.join(', ')} may post IPNs (behind a proxy, make sure the service sees the caller's address).`);
  }
  if (config.signatureAlgorithm === 'HMAC_SHA256' && config.acceptLegacySha1) warnings.push('LYRA_ACCEPT_SHA1=true: SHA-1 signed IPNs are still accepted; unset it once the switch to HMAC-SHA-256 is done.');
  return warnings;
}
