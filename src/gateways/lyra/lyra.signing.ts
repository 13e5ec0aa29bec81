/**
 * Lyra (PayZen, Systempay, Sogecommerce) signatures (GATEWAYS.md). Shared by the adapter and the Lyra simulator, so
 * both sides of the wire use one definition.
 *
 * Form signature: the values of every `vads_*` field, sorted by field name in byte order, joined with `+` (an empty
 * value stays empty), then `+` and the key of the shop's mode. HMAC-SHA-256 (standard base64) keyed with that key,
 * or, legacy, the lowercase hex SHA-1 of that string.
 * REST hash: lowercase hex HMAC-SHA256 over `kr-answer` with every `\/` replaced by `/`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type LyraSignatureAlgorithm = 'HMAC_SHA256' | 'SHA1';

/** The string a form signature is computed over, the key included (which is why it is never logged). */
function signedString(fields: Readonly<Record<string, string>>, key: string): string {
  const names = Object.keys(fields)
    .filter((k) => k.startsWith('vads_'))
    // Byte order, not locale order: Lyra sorts the names as plain ASCII.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...names.map((k) => fields[k]), key].join('+');
}

export function signForm(fields: Readonly<Record<string, string>>, key: string, algorithm: LyraSignatureAlgorithm): string {
  const s = signedString(fields, key);
  return algorithm === 'SHA1' ? createHash('sha1').update(s, 'utf8').digest('hex') : createHmac('sha256', key).update(s, 'utf8').digest('base64');
}

/** Constant-time comparison of two signatures (as text: base64 and hex are both ASCII). */
export function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The algorithm a form's `signature` was made with, told by its shape: 40 lowercase hex digits are SHA-1, 44
 * base64 characters are HMAC-SHA-256; anything else is no signature of Lyra's.
 */
export function signatureAlgorithmOf(signature: string): LyraSignatureAlgorithm | null {
  if (/^[0-9a-f]{40}$/.test(signature)) return 'SHA1';
  if (/^[A-Za-z0-9+/]{43}=$/.test(signature)) return 'HMAC_SHA256';
  return null;
}

/** Whether `fields.signature` is the signature of `fields` under `key` with `algorithm`. */
export function verifyForm(fields: Readonly<Record<string, string>>, key: string, algorithm: LyraSignatureAlgorithm): boolean {
  const given = fields.signature ?? '';
  return sameSignature(given, signForm(fields, key, algorithm));
}

/** `kr-answer` as it is hashed: Lyra hashes the JSON with its `\/` escapes undone. */
export function restHashInput(krAnswer: string): string {
  return krAnswer.replaceAll('\\/', '/');
}

export function signRestAnswer(krAnswer: string, key: string): string {
  return createHmac('sha256', key).update(restHashInput(krAnswer), 'utf8').digest('hex');
}

export function verifyRestAnswer(krAnswer: string, krHash: string, key: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(krHash)) return false;
  return sameSignature(krHash, signRestAnswer(krAnswer, key));
}
