/**
 * The e-mail addresses the service accepts: a customer's at checkout, and the addresses in the mail settings.
 *
 * The shape is the HTML standard's "valid e-mail address" (what a browser's `<input type="email">` accepts), so
 * no address a storefront's form lets through is refused here; it is ASCII, and a browser sends an international
 * domain as punycode. The length is bounded by what SMTP carries: a path of 256 octets including its angle
 * brackets leaves 254 for the address (RFC 5321 4.5.3.1.3), of which at most 64 for the local part.
 */
import { z } from 'zod';

/** Longest address accepted, characters. */
export const MAX_EMAIL_ADDRESS_LENGTH = 254;
/** Longest part before the `@`, characters. */
export const MAX_EMAIL_LOCAL_PART_LENGTH = 64;

/** Why `address` is not an address the service sends to, or undefined when it is. */
export function emailAddressProblem(address: string): string | undefined {
  if (address.length > MAX_EMAIL_ADDRESS_LENGTH) return `must be at most ${MAX_EMAIL_ADDRESS_LENGTH} characters`;
  // The pattern also refuses whitespace, control characters (NUL, CR, LF: no header injection) and anything
  // outside ASCII.
  if (!z.regexes.html5Email.test(address)) return 'must be an e-mail address such as name@example.com';
  if (address.indexOf('@') > MAX_EMAIL_LOCAL_PART_LENGTH) return `must have at most ${MAX_EMAIL_LOCAL_PART_LENGTH} characters before the @`;
  return undefined;
}
