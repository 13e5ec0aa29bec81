/**
 * QuickPay v10 signatures (GATEWAYS.md). Shared by the adapter and the gateway simulator, so both sides of the
 * wire use the same definition.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The callback's signature header (lower-case, as Node gives headers). */
export const CHECKSUM_HEADER = 'quickpay-checksum-sha256';

/** Lowercase hex HMAC-SHA256 of the raw callback body, keyed with the account's private key. */
export function signCallbackBody(rawBody: Buffer | string, privateKey: string): string {
  return createHmac('sha256', privateKey).update(rawBody).digest('hex');
}

/** Constant-time check of a `QuickPay-Checksum-Sha256` header against the raw body. */
export function verifyCallbackChecksum(rawBody: Buffer, checksum: string | undefined, privateKey: string): boolean {
  if (!checksum || !/^[0-9a-f]{64}$/i.test(checksum)) return false;
  const expected = Buffer.from(signCallbackBody(rawBody, privateKey), 'hex');
  const given = Buffer.from(checksum.toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The payment window checksum: the values of all parameters, ordered by parameter name, joined with a single
 * space, HMAC-SHA256 keyed with the payment window API key, lowercase hex.
 */
export function signPaymentWindow(params: Record<string, string>, apiKey: string): string {
  const joined = Object.keys(params)
    .filter((k) => k !== 'checksum')
    .sort()
    .map((k) => params[k])
    .join(' ');
  return createHmac('sha256', apiKey).update(joined).digest('hex');
}

export function verifyPaymentWindow(params: Record<string, string>, apiKey: string): boolean {
  const given = params.checksum ?? '';
  const expected = signPaymentWindow(params, apiKey);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
