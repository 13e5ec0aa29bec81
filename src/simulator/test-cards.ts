/**
 * What the simulated acquirer says about a card typed into the payment window. QuickPay's test cards all start
 * with 1000; we decline any number ending in 2, and expiry 01/25 marks the callback to fail its first attempt
 * (seed 003: "specify expiration month 01 and expiration year 25 ... rejected by the shop on the first attempt").
 */
import { QP_APPROVED, QP_REJECTED } from './payment-resource.js';

/** The card the window is prefilled with: approved. */
export const DEFAULT_TEST_CARD = '1000 0000 0000 0008';
/** A declined test card. */
export const DECLINED_TEST_CARD = '1000 0000 0000 0002';

/** The fields the shopper typed. */
export interface CardInput {
  card: string;
  expMonth: string;
  expYear: string;
  cvd?: string;
}

/** The acquirer's answer, or a form error that keeps the shopper in the window without an operation. */
export type CardDecision =
  | { kind: 'invalid'; message: string }
  | {
      kind: 'decided';
      approved: boolean;
      qpStatusCode: string;
      qpStatusMsg: string;
      testMode: boolean;
      /** Seed 003's 01/25 expiry: send the first callback attempt with a wrong checksum. */
      failFirstAttempt: boolean;
      metadata: Record<string, unknown>;
    };

/** Checks the form, then decides like the QuickPay test acquirer. Never keeps more of the card than bin and last4. */
export function decideCard(input: CardInput): CardDecision {
  const digits = input.card.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return { kind: 'invalid', message: 'Card number must be 12 to 19 digits.' };
  const month = Number(input.expMonth);
  if (!/^\d{1,2}$/.test(input.expMonth.trim()) || month < 1 || month > 12) {
    return { kind: 'invalid', message: 'Expiry month must be 01 to 12.' };
  }
  if (!/^\d{2}$/.test(input.expYear.trim())) return { kind: 'invalid', message: 'Expiry year must be two digits.' };
  if (input.cvd !== undefined && input.cvd !== '' && !/^\d{3,4}$/.test(input.cvd.trim())) {
    return { kind: 'invalid', message: 'CVD must be 3 or 4 digits.' };
  }
  const year = Number(input.expYear);
  const approved = !digits.endsWith('2');
  const testMode = digits.startsWith('1000');
  return {
    kind: 'decided',
    approved,
    qpStatusCode: approved ? QP_APPROVED : QP_REJECTED,
    qpStatusMsg: approved ? 'Approved' : 'Rejected test operation',
    testMode,
    // Not an expiry check: 01/25 is QuickPay's documented switch for a failed first callback, so it must pay.
    failFirstAttempt: month === 1 && year === 25,
    metadata: {
      type: 'card',
      origin: 'form',
      brand: testMode ? 'quickpay-test-card' : 'visa',
      bin: digits.slice(0, 6),
      last4: digits.slice(-4),
      exp_month: month,
      exp_year: year,
      country: 'DNK',
      is_3d_secure: false,
      fraud_suspected: false,
    },
  };
}
