/**
 * Lyra's REST API V4 (`POST {LYRA_API_URL}/api-payment/V4/<service>`, Basic auth `siteId:restPassword`, JSON both
 * ways). Lyra answers HTTP 200 for its own refusals, with `status: 'ERROR'` and an `errorCode`: those are refusals
 * (GatewayApiError with a 4xx-like status: the gateway did not act), except a technical error (PSP_999), whose
 * effect is unknown. No answer, or an HTTP 5xx, is unknown too (the ledger keeps the operation REQUESTED).
 */
import { GatewayApiError } from '../gateway.js';
import { callGateway } from '../gateway-http.js';
import type { LyraConfig } from './lyra.config.js';

/** The status a Lyra refusal is reported with: the request was understood and declined. */
export const LYRA_REFUSED = 422;
/** Error codes whose effect at Lyra is unknown (a technical error on its side). */
const UNKNOWN_OUTCOME_CODES: ReadonlySet<string> = new Set(['PSP_999']);
/** Error codes that mean the order or transaction does not exist (Order/Get: a payment Lyra never saw). */
export const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['PSP_010']);

export class LyraRefusal extends GatewayApiError {
  constructor(
    message: string,
    readonly errorCode: string,
  ) {
    super(message, LYRA_REFUSED);
  }
}

export class LyraApi {
  constructor(
    private readonly config: LyraConfig,
    private readonly fetchImpl: typeof fetch,
  ) {}

  /** Calls one web service; returns its `answer` when `status` is SUCCESS. */
  async call(service: string, body: Record<string, unknown>): Promise<unknown> {
    const what = `Lyra ${service}`;
    // Nothing was sent: Lyra certainly did not act, so this is a refusal, not an unknown outcome.
    if (!this.config.restPassword) throw new GatewayApiError(`${what}: LYRA_REST_PASSWORD is not configured`, 401);
    const headers = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: `Basic ${Buffer.from(`${this.config.siteId}:${this.config.restPassword}`).toString('base64')}`,
    };
    const call = { method: 'POST', headers, body: JSON.stringify(body), timeoutMs: this.config.apiTimeoutMs };
    const res = await callGateway(this.fetchImpl, `${this.config.apiUrl}/api-payment/V4/${service}`, call, what);
    const text = res.text;
    if (!res.ok) throw new GatewayApiError(`${what} answered HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
    let json: { status?: unknown; answer?: { errorCode?: unknown; errorMessage?: unknown; detailedErrorMessage?: unknown } & Record<string, unknown> };
    try {
      json = JSON.parse(text);
    } catch {
      throw new GatewayApiError(`${what} answered with a body that is not JSON`, 502);
    }
    if (json.status === 'SUCCESS') return json.answer;
    if (json.status === 'ERROR') {
      const code = typeof json.answer?.errorCode === 'string' ? json.answer.errorCode : 'unknown';
      const words = [json.answer?.errorMessage, json.answer?.detailedErrorMessage].filter((x) => typeof x === 'string').join(': ').slice(0, 200);
      const message = `${what} refused (${code}${words ? ` ${words}` : ''})`;
      if (UNKNOWN_OUTCOME_CODES.has(code)) throw new GatewayApiError(`${what} failed on Lyra's side (${code}${words ? ` ${words}` : ''})`, 502);
      throw new LyraRefusal(message, code);
    }
    throw new GatewayApiError(`${what} answered a status that is neither SUCCESS nor ERROR`, 502);
  }
}
