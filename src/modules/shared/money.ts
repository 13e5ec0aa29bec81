import { BadUserInputError } from '../../errors/app-errors.js';

/**
 * Money, everywhere in the service (database, GraphQL, gateway fields): a whole number of minor units of its
 * currency (øre, cents, yen), from 0 to 2^53 - 1. Stored in 64-bit integer columns; 2^53 - 1 is the largest whole
 * number JavaScript holds exactly, and leaves room for any shop (9 × 10^15 minor units: more than the world's
 * yearly trade, even in currencies of small units).
 */
export type Money = number;

/** The largest amount the service holds: Number.MAX_SAFE_INTEGER. */
export const MAX_MONEY: Money = Number.MAX_SAFE_INTEGER;

/** Whether `value` is a valid amount: a whole number from 0 to MAX_MONEY. */
export function isMoney(value: unknown): value is Money {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks an amount given by a caller; `positive` refuses 0 too. */
export function checkMoney(value: number, field: string, positive = false): Money {
  if (!isMoney(value) || (positive && value === 0)) {
    throw new BadUserInputError(`${field} must be a whole number of minor units from ${positive ? 1 : 0} to ${MAX_MONEY}`, { field });
  }
  return value;
}

/** ISO 4217 alphabetic codes known to the runtime (Intl), so a typo such as "DKR" is refused at the door. */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Upper-cases and checks an ISO 4217 alphabetic currency code. */
export function normaliseCurrency(code: string, field = 'currency'): string {
  const c = code.trim().toUpperCase();
  if (!KNOWN_CURRENCIES.has(c)) throw new BadUserInputError(`${code} is not an ISO 4217 currency code`, { field });
  return c;
}
