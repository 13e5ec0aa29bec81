/**
 * Lyra's transaction statuses (`vads_trans_status`, REST `detailedStatus`) onto our payment statuses (GATEWAYS.md),
 * with each status's place in a transaction's life, which orders two messages about the same transaction.
 */
import { PaymentStatus } from '../../modules/payment/payment.machine.js';

export interface LyraStatusMeaning {
  status: PaymentStatus;
  /**
   * Where the status comes in a transaction's life (higher is later): pending, then refused or waiting for
   * validation, authorised, a capture blocked or failed, captured; a cancel or expiry ends it. A message about a
   * transaction never goes back down this scale, so it orders copies of one transaction's messages.
   */
  rank: number;
  /** Not a payment state but something the shop must look at (the money is held, its capture is not going through). */
  anomaly?: string;
}

const pending = (rank = 1): LyraStatusMeaning => ({ status: PaymentStatus.PENDING, rank });

export const LYRA_STATUSES: Readonly<Record<string, LyraStatusMeaning>> = Object.freeze({
  INITIAL: pending(0),
  WAITING_AUTHORISATION: pending(),
  WAITING_AUTHORISATION_TO_VALIDATE: pending(),
  UNDER_VERIFICATION: pending(),
  PRE_AUTHORISED: pending(),
  WAITING_FOR_PAYMENT: pending(),
  REFUSED: { status: PaymentStatus.REFUSED, rank: 2 },
  NOT_CREATED: { status: PaymentStatus.REFUSED, rank: 2 },
  AUTHORISED_TO_VALIDATE: { status: PaymentStatus.AUTHORIZED, rank: 3 },
  AUTHORISED: { status: PaymentStatus.AUTHORIZED, rank: 4 },
  // The money is authorised and stays so; only its capture is stuck: authorised, and the shop is told.
  SUSPENDED: { status: PaymentStatus.AUTHORIZED, rank: 5, anomaly: 'Lyra suspended the capture of this payment (SUSPENDED): the acquirer holds it back' },
  CAPTURE_FAILED: { status: PaymentStatus.AUTHORIZED, rank: 6, anomaly: 'the capture of this payment failed at Lyra (CAPTURE_FAILED): the money was not collected' },
  CAPTURED: { status: PaymentStatus.CAPTURED, rank: 7 },
  ABANDONED: { status: PaymentStatus.CANCELLED, rank: 8 },
  CANCELLED: { status: PaymentStatus.CANCELLED, rank: 8 },
  EXPIRED: { status: PaymentStatus.EXPIRED, rank: 8 },
});

/** The meaning of a status; null for one Lyra may add later (the message is then malformed, not guessed at). */
export function lyraStatus(code: string): LyraStatusMeaning | null {
  return Object.hasOwn(LYRA_STATUSES, code) ? LYRA_STATUSES[code] : null;
}

/** Statuses after which a CREDIT transaction (a refund) has moved, or will move, the money back. */
export const REFUND_DONE: ReadonlySet<string> = new Set(['AUTHORISED', 'AUTHORISED_TO_VALIDATE', 'CAPTURED']);
/** Statuses of a CREDIT transaction that will never move money. */
export const REFUND_FAILED: ReadonlySet<string> = new Set(['REFUSED', 'NOT_CREATED', 'CANCELLED', 'ABANDONED', 'EXPIRED', 'CAPTURE_FAILED']);
