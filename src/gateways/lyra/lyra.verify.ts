/**
 * Whether a Lyra message is Lyra's own, for this shop and this mode (GATEWAYS.md): the signature of a form message,
 * or the hash of a REST answer, checked in constant time with the key its kind calls for; then the shop and the mode
 * it names, so a correctly signed message for another shop or the other mode is refused. Each check returns the
 * refusal reason, or undefined when the message is authentic. Reasons never quote a key or a signature.
 */
import type { LyraConfig, LyraMode } from './lyra.config.js';
import { readKrAnswer, restOrigin, LyraReadError } from './lyra.messages.js';
import { signatureAlgorithmOf, verifyForm, verifyRestAnswer } from './lyra.signing.js';

/** Who is meant to see a REST hash: Lyra's server (IPN, keyed with the REST password) or the shopper's browser. */
export type RestAudience = 'server' | 'browser';

/** A signed form (IPN or return). */
export function formRefusal(fields: Readonly<Record<string, string>>, config: LyraConfig): string | undefined {
  const signature = fields.signature;
  if (!signature) return 'no signature field';
  const algorithm = signatureAlgorithmOf(signature);
  if (!algorithm) return 'the signature is neither HMAC-SHA-256 (base64) nor SHA-1 (hex)';
  // HMAC-SHA-256 is always accepted; SHA-1 only when the shop uses it, or is switching away from it.
  if (algorithm === 'SHA1' && !config.acceptLegacySha1) return 'a SHA-1 signature, while the shop signs with HMAC-SHA-256 (set LYRA_ACCEPT_SHA1=true during a switch)';
  const mode = fields.vads_ctx_mode;
  if (mode !== 'TEST' && mode !== 'PRODUCTION') return 'vads_ctx_mode is neither TEST nor PRODUCTION';
  // The key of the message's own mode, so that a message of the other mode is told apart from a forgery.
  const key = config.keys[mode as LyraMode];
  if (!key) return `signed for ${mode} mode, whose key is not configured here`;
  if (!verifyForm(fields, key, algorithm)) return `the ${algorithm === 'SHA1' ? 'SHA-1' : 'HMAC-SHA-256'} signature does not match the vads_ fields`;
  if (fields.vads_site_id !== config.siteId) return `signed for another shop (vads_site_id ${String(fields.vads_site_id).slice(0, 12)})`;
  if (mode !== config.ctxMode) return `signed for ${mode} mode, while the shop runs in ${config.ctxMode} mode`;
  return undefined;
}

/**
 * A REST answer (`kr-answer` + `kr-hash`). A server IPN is hashed with the REST password (`kr-hash-key=password`);
 * a browser return with the HMAC-SHA-256 key (`kr-hash-key=sha256_hmac`). Each is accepted only where it is meant
 * to arrive: a browser return posted as a notification is refused, since every shopper holds their own.
 */
export function restRefusal(fields: Readonly<Record<string, string>>, config: LyraConfig, audience: RestAudience): string | undefined {
  const answer = fields['kr-answer'];
  const hash = fields['kr-hash'];
  if (!answer || !hash) return 'kr-answer or kr-hash is missing';
  const algorithm = fields['kr-hash-algorithm'];
  if (algorithm !== 'sha256_hmac') return `kr-hash-algorithm ${String(algorithm).slice(0, 20)} is not sha256_hmac`;
  const hashKey = fields['kr-hash-key'];
  const expected = audience === 'server' ? 'password' : 'sha256_hmac';
  if (hashKey !== expected) {
    return audience === 'server' ? `kr-hash-key ${String(hashKey).slice(0, 20)}: a browser return is not a server notification` : `kr-hash-key ${String(hashKey).slice(0, 20)} is not a browser return's`;
  }
  const key = audience === 'server' ? config.restPassword : config.restHmacKey;
  if (!key) return `${audience === 'server' ? 'LYRA_REST_PASSWORD' : 'LYRA_REST_HMAC_KEY'} is not configured: the hash cannot be checked`;
  if (!verifyRestAnswer(answer, hash, key)) return 'kr-hash does not match kr-answer';
  let origin;
  try {
    origin = restOrigin(readKrAnswer(answer));
  } catch (e) {
    // Signed, but not a payment we can read: the parser says so as a malformed message.
    if (e instanceof LyraReadError) return undefined;
    throw e;
  }
  if (origin.shopId !== null && origin.shopId !== config.siteId) return `signed for another shop (shopId ${origin.shopId.slice(0, 12)})`;
  if (origin.mode !== null && origin.mode !== config.ctxMode) return `made in ${origin.mode} mode, while the shop runs in ${config.ctxMode} mode`;
  return undefined;
}
