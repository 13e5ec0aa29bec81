/**
 * The few Stripe REST calls the adapter makes, with plain fetch rather than the `stripe` package: every call is
 * bounded by STRIPE_API_TIMEOUT_MS through an AbortSignal we own, never follows a redirect, and its failures map
 * onto the seam's rule (GatewayApiError: a status for a refusal, none when whether Stripe acted is unknown) without
 * translating another library's error classes. It is four endpoints and a form encoder.
 */
import { GatewayApiError } from '../gateway.js';
import { callGateway } from '../gateway-http.js';
import type { StripeConfig } from './stripe.config.js';
import { encodeForm, type FormValue } from './stripe.form.js';

/**
 * The API version every call asks for, so the shapes the adapter reads (a PaymentIntent's `latest_charge`, a
 * Charge's `refunds` when expanded, a Checkout Session's `payment_intent` null until the shopper pays) do not move
 * when the account's default version is upgraded in Stripe's dashboard.
 */
export const STRIPE_API_VERSION = '2024-06-20';

/** A PaymentIntent as the adapter reads it: with its latest charge and that charge's refunds. */
export const PAYMENT_INTENT_EXPAND = ['latest_charge', 'latest_charge.refunds'] as const;

export class StripeApi {
  constructor(
    private readonly config: StripeConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** GET `path` with `expand[]` values; null when Stripe answers 404 (it does not know the object). */
  async get(path: string, expand: readonly string[] = []): Promise<unknown | null> {
    const query = expand.length ? `?${encodeForm({ expand: [...expand] })}` : '';
    return this.call('GET', `${path}${query}`, undefined, undefined, true);
  }

  /** POST a form to `path` with the idempotency key (Stripe replays the first answer to a repeat of the key). */
  async post(path: string, params: Record<string, FormValue>, idempotencyKey: string): Promise<unknown> {
    return this.call('POST', path, encodeForm(params), idempotencyKey, false);
  }

  private async call(method: string, path: string, body: string | undefined, idempotencyKey: string | undefined, nullOn404: boolean): Promise<unknown> {
    // The path (with ids, never secrets) names the call in errors; the query is left out: it only says what to expand.
    const what = `Stripe ${method} ${path.split('?')[0]}`;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.config.apiKey}`,
      'Stripe-Version': STRIPE_API_VERSION,
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    };
    const res = await callGateway(this.fetchImpl, `${this.config.apiUrl}${path}`, { method, headers, body, timeoutMs: this.config.apiTimeoutMs }, what);
    const text = res.text;
    if (nullOn404 && res.status === 404) return null;
    if (!res.ok) throw new GatewayApiError(`${what} answered ${res.status}: ${errorMessage(text)}`, res.status);
    try {
      return JSON.parse(text);
    } catch {
      throw new GatewayApiError(`${what} answered with a body that is not JSON`, res.status);
    }
  }
}

/**
 * Stripe's own words for an error (`error.type`, `code`, `message`), short. Only these fields are kept: an error
 * body may echo the request, and nothing of a request (a client secret, a key) belongs in our logs or errors.
 */
function errorMessage(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { type?: unknown; code?: unknown; message?: unknown } }).error ?? {};
    const parts = [e.type, e.code, e.message].filter((p): p is string => typeof p === 'string');
    return parts.join(': ').replace(/\b(sk|rk|pk|whsec)_[A-Za-z0-9_]+/g, '$1_***').slice(0, 300) || 'no error description';
  } catch {
    return 'no error description';
  }
}
