import { BadUserInputError } from '../../errors/app-errors.js';

/** ISO 4217 alphabetic codes known to the runtime (Intl), so a typo such as "DKR" is refused at the door. */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Upper-cases and checks an ISO 4217 alphabetic currency code. */
export function normaliseCurrency(code: string, field = 'currency'): string {
  const c = code.trim().toUpperCase();
  if (!KNOWN_CURRENCIES.has(c)) throw new BadUserInputError(`${code} is not an ISO 4217 currency code`, { field });
  return c;
}
