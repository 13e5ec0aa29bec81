/**
 * Stripe's webhook signature (GATEWAYS.md): `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, each `v1`
 * a lowercase hex HMAC-SHA256 keyed with the endpoint secret over `<t>.<raw body>`. Several `v1` values appear while
 * a secret is being rolled (one per live secret). Shared by the adapter and the Stripe simulator, so both sides of
 * the wire use one definition.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header (lower-case, as Node gives headers). */
export const SIGNATURE_HEADER = 'stripe-signature';

/** Stripe's default tolerance: a signed timestamp further than this from our clock is a replay (or a wrong clock). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The parts of a Stripe-Signature header we read; other schemes (`v0`, future ones) are skipped. */
export interface ParsedSignatureHeader {
  timestamp: number;
  v1: string[];
}

/**
 * Reads a Stripe-Signature header; returns why it is malformed instead. Malformed means: not comma-separated
 * `key=value` pairs, no `t`, more than one `t`, a `t` that is not whole seconds, or no `v1` that is 64 hex digits.
 * A header of `v0` only is malformed for us too (we verify `v1` and nothing else).
 */
export function parseSignatureHeader(header: string | undefined): ParsedSignatureHeader | string {
  if (!header) return `missing ${SIGNATURE_HEADER} header`;
  // A real header is ~100 characters per v1; a long one is not Stripe's (and we do not hash megabytes of it).
  if (header.length > 2048) return `${SIGNATURE_HEADER} header is too long`;
  const timestamps: string[] = [];
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `${SIGNATURE_HEADER} header is not a list of key=value pairs`;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamps.push(value);
    else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return `${SIGNATURE_HEADER} header has a v1 that is not 64 lowercase hex digits`;
      v1.push(value);
    }
    // Any other scheme (v0 is Stripe's test-only scheme) is not a signature we accept: skipped, not refused.
  }
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0])) return `${SIGNATURE_HEADER} header needs exactly one t=<unix seconds>`;
  if (v1.length === 0) return `${SIGNATURE_HEADER} header has no v1 signature`;
  return { timestamp: Number(timestamps[0]), v1 };
}

/** The lowercase hex `v1` signature of `rawBody` signed at `timestamp` (unix seconds). */
export function signPayload(rawBody: Buffer | string, timestamp: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** A Stripe-Signature header for `rawBody`, as Stripe sends it (the simulator's, and a test's own). */
export function signatureHeader(rawBody: Buffer | string, timestamp: number, secret: string): string {
  return `t=${timestamp},v1=${signPayload(rawBody, timestamp, secret)}`;
}

/**
 * Checks a Stripe-Signature header against the raw body: any `v1` equal (in constant time) to ours, and the signed
 * timestamp within `toleranceSeconds` of `now` either way (a timestamp from the future is as suspect as an old one).
 * Returns the refusal reason, or undefined when authentic.
 */
export function verifySignature(rawBody: Buffer, header: string | undefined, secret: string, now: Date, toleranceSeconds: number): string | undefined {
  const parsed = parseSignatureHeader(header);
  if (typeof parsed === 'string') return parsed;
  const expected = Buffer.from(signPayload(rawBody, parsed.timestamp, secret), 'hex');
  // Every value is compared (no early exit), so timing says nothing about which one matched.
  let matched = false;
  for (const given of parsed.v1) matched = timingSafeEqual(Buffer.from(given, 'hex'), expected) || matched;
  if (!matched) return 'no v1 signature matches the body';
  // Whole seconds, as Stripe's own libraries count: exactly the tolerance away is still in.
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - parsed.timestamp);
  if (skew > toleranceSeconds) return `signed ${skew} s away from our clock (tolerance ${toleranceSeconds} s)`;
  return undefined;
}
