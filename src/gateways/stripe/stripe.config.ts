/**
 * Stripe's own configuration section: its environment variables, read and checked here. Stripe is offered only when
 * both STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET are set: without the key no payment can be created at checkout (and
 * no webhook confirmed, since every webhook is confirmed by asking the API); without the secret no webhook verifies.
 */
import { z } from 'zod';
import { csv } from '../../config/env-values.js';
import { allowListProblems } from '../../modules/inbox/source-allow-list.js';
import type { GatewaySettings } from '../gateway-module.js';
import { DEFAULT_TOLERANCE_SECONDS } from './stripe.signing.js';

export interface StripeConfig {
  /** Secret API key (`sk_...` or a restricted `rk_...`): authenticates every API call. Never logged. */
  readonly apiKey: string;
  /** The webhook endpoint's signing secret (`whsec_...`): verifies Stripe-Signature. Never logged. */
  readonly webhookSecret: string;
  /** Base URL of the Stripe API (the simulator's in tests). */
  readonly apiUrl: string;
  /**
   * Source addresses allowed to post webhooks (CIDR); empty (the default) allows any. Stripe's signature over a
   * fresh timestamp is the protection Stripe documents; its list of webhook addresses changes and is published
   * separately, so a stale copy here would turn away real events.
   */
  readonly allowedSources: readonly string[];
  /** How long one API call may take; past it, whether Stripe acted is unknown. */
  readonly apiTimeoutMs: number;
  /** How far (seconds, either way) a webhook's signed timestamp may be from our clock. */
  readonly toleranceSeconds: number;
}

const StripeEnv = z.object({
  STRIPE_API_KEY: z.string().default(''),
  STRIPE_WEBHOOK_SECRET: z.string().default(''),
  STRIPE_API_URL: z.string().url().default('https://api.stripe.com'),
  STRIPE_ALLOWED_SOURCES: csv,
  STRIPE_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  STRIPE_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULT_TOLERANCE_SECONDS),
});

export function readStripeConfig(env: Readonly<Record<string, string | undefined>>): GatewaySettings<StripeConfig> {
  const parsed = StripeEnv.safeParse(env);
  if (!parsed.success) return { config: null, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const e = parsed.data;
  // A typo in the allow-list fails the start instead of every webhook.
  const problems = allowListProblems(e.STRIPE_ALLOWED_SOURCES).map((p) => `STRIPE_ALLOWED_SOURCES: ${p}`);
  if (problems.length || !e.STRIPE_API_KEY || !e.STRIPE_WEBHOOK_SECRET) return { config: null, problems };
  return {
    problems,
    config: {
      apiKey: e.STRIPE_API_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiUrl: e.STRIPE_API_URL.replace(/\/+$/, ''),
      allowedSources: Object.freeze(e.STRIPE_ALLOWED_SOURCES),
      apiTimeoutMs: e.STRIPE_API_TIMEOUT_MS,
      toleranceSeconds: e.STRIPE_TOLERANCE_SECONDS,
    },
  };
}

/** What Stripe's configuration does not allow yet; it names variables, never their values. */
export function stripeWarnings(config: StripeConfig | null): string[] {
  if (!config) {
    return ['STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET are not both set: Stripe is not offered (payment methods on it cannot be checked out with), and its webhooks are refused.'];
  }
  const warnings: string[] = [];
  if (!/^(sk|rk)_(test|live)_/.test(config.apiKey)) warnings.push('STRIPE_API_KEY does not look like a Stripe secret key (sk_... or rk_...): Stripe will refuse every call.');
  if (!config.webhookSecret.startsWith('whsec_')) warnings.push('STRIPE_WEBHOOK_SECRET does not look like a webhook signing secret (whsec_...): no webhook will verify.');
  return warnings;
}
