/**
 * Lyra's form fields carry ISO 4217 **numeric** currency codes (978 = EUR); the service speaks alphabetic ones.
 * Amounts need no conversion: `vads_amount` is in the currency's smallest unit, as the service's money is (cents,
 * øre; for JPY, which has no minor unit, whole yen both sides). A code missing here is refused, never guessed.
 */

/** Numeric code (three digits, as Lyra writes it) by alphabetic code. */
const NUMERIC_BY_ALPHA: Readonly<Record<string, string>> = Object.freeze({
  EUR: '978',
  USD: '840',
  GBP: '826',
  DKK: '208',
  SEK: '752',
  NOK: '578',
  CHF: '756',
  JPY: '392',
  CAD: '124',
  AUD: '036',
  NZD: '554',
  PLN: '985',
  CZK: '203',
  HUF: '348',
  // The Pacific franc: Lyra's OSB (New Caledonia, French Polynesia) shops take it.
  XPF: '953',
});

const ALPHA_BY_NUMERIC: ReadonlyMap<string, string> = new Map(Object.entries(NUMERIC_BY_ALPHA).map(([a, n]) => [n, a]));

/** The numeric code for an alphabetic one; null when Lyra's side of this service does not know it. */
export function numericCurrency(alpha: string): string | null {
  return NUMERIC_BY_ALPHA[alpha.toUpperCase()] ?? null;
}

/** The alphabetic code for a numeric one (`978`); null when unknown (the message is then malformed). */
export function alphaCurrency(numeric: string): string | null {
  return ALPHA_BY_NUMERIC.get(numeric) ?? null;
}

/** Every alphabetic code Lyra can be used with here (for the warning about payment methods in other currencies). */
export const LYRA_CURRENCIES: readonly string[] = Object.freeze(Object.keys(NUMERIC_BY_ALPHA));
