/**
 * QuickPay's own configuration section: its environment variables, read and checked here. QuickPay is offered
 * when QUICKPAY_PRIVATE_KEY is set: without it no callback can be verified, so no order paid there could ever
 * become ready. The merchant ids and API key are warned about when missing (the payment window refuses a form
 * without them, and the reconciler cannot ask about payments), but do not switch the gateway off: the README's
 * walkthrough signs a callback by hand with only the private key.
 */
import { z } from 'zod';
import { csv } from '../../config/env-values.js';
import { allowListProblems } from '../../modules/inbox/source-allow-list.js';
import type { GatewaySettings } from '../gateway-module.js';

export interface QuickPayConfig {
  readonly merchantId: string;
  readonly agreementId: string;
  /** Payment window / API user key: signs the payment window form and authenticates status API calls. */
  readonly apiKey: string;
  /** Account private key: verifies callbacks. Never the API key. */
  readonly privateKey: string;
  /** Where the storefront posts the payment window form. */
  readonly paymentWindowUrl: string;
  /** Base URL of the QuickPay REST API (status, capture, refund, cancel). */
  readonly apiUrl: string;
  /** Source addresses allowed to post callbacks (CIDR or single addresses); empty allows any. */
  readonly allowedSources: readonly string[];
  /** How long a call to the REST API may take; past it, whether QuickPay acted is unknown. */
  readonly apiTimeoutMs: number;
}

const QuickPayEnv = z.object({
  QUICKPAY_MERCHANT_ID: z.string().default(''),
  QUICKPAY_AGREEMENT_ID: z.string().default(''),
  QUICKPAY_API_KEY: z.string().default(''),
  QUICKPAY_PRIVATE_KEY: z.string().default(''),
  QUICKPAY_PAYMENT_WINDOW_URL: z.string().url().default('https://payment.quickpay.net'),
  QUICKPAY_API_URL: z.string().url().default('https://api.quickpay.net'),
  QUICKPAY_ALLOWED_SOURCES: csv,
  QUICKPAY_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

export function readQuickPayConfig(env: Readonly<Record<string, string | undefined>>): GatewaySettings<QuickPayConfig> {
  const parsed = QuickPayEnv.safeParse(env);
  if (!parsed.success) return { config: null, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const e = parsed.data;
  // A typo in the allow-list fails the start instead of every callback.
  const problems = allowListProblems(e.QUICKPAY_ALLOWED_SOURCES).map((p) => `QUICKPAY_ALLOWED_SOURCES: ${p}`);
  if (problems.length || !e.QUICKPAY_PRIVATE_KEY) return { config: null, problems };
  return {
    problems,
    config: {
      merchantId: e.QUICKPAY_MERCHANT_ID,
      agreementId: e.QUICKPAY_AGREEMENT_ID,
      apiKey: e.QUICKPAY_API_KEY,
      privateKey: e.QUICKPAY_PRIVATE_KEY,
      paymentWindowUrl: e.QUICKPAY_PAYMENT_WINDOW_URL.replace(/\/+$/, ''),
      apiUrl: e.QUICKPAY_API_URL.replace(/\/+$/, ''),
      allowedSources: Object.freeze(e.QUICKPAY_ALLOWED_SOURCES),
      apiTimeoutMs: e.QUICKPAY_API_TIMEOUT_MS,
    },
  };
}

export function quickPayWarnings(config: QuickPayConfig | null): string[] {
  if (!config) {
    return ['QUICKPAY_PRIVATE_KEY is not set: QuickPay is not offered (payment methods on it cannot be checked out with), and its callbacks are refused.'];
  }
  const missing = [
    ['QUICKPAY_MERCHANT_ID', config.merchantId],
    ['QUICKPAY_AGREEMENT_ID', config.agreementId],
    ['QUICKPAY_API_KEY', config.apiKey],
  ].filter(([, v]) => !v).map(([k]) => k);
  if (!missing.length) return [];
  return [`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set: checkout still answers, but ${config.paymentWindowUrl} will refuse its payment form, and the QuickPay API cannot be asked about payments.`];
}
