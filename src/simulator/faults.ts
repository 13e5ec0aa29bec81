/**
 * Delivery faults the simulator can inject into one payment's callbacks, so tests can prove the shop survives a
 * late, repeated, missing, swapped or forged-looking callback (GATEWAYS.md: QuickPay retries, order per payment),
 * and bend the answers of its REST commands (declined, or an outcome the shop never hears).
 */
import { z } from 'zod';

/** Faults for one payment's callbacks. Every field is optional: absent means "behave like QuickPay". */
export interface Faults {
  /** Wait this long before every send attempt (first attempt and each retry). */
  delayMs?: number;
  /** Send every callback this many extra times, concurrently with the original. */
  duplicate?: number;
  /** Never deliver this payment's callbacks: the shop has to ask the status API. */
  drop?: boolean;
  /** Hold each callback until the next one for the same payment has been sent, then send it: swaps pairs. */
  reorder?: boolean;
  /** Send the first attempt of every callback with a wrong checksum; the retries are correct (like card expiry 01/25). */
  failFirstAttempt?: boolean;
  /** Override the payment's `test_mode`, e.g. to pretend a test card payment is live. */
  testMode?: boolean;
  /**
   * The acquirer declines every capture, refund, cancel and recurring charge of this payment: each is recorded as
   * a failed operation (40000) with its callback, and the API answers 202 with the payment, as QuickPay does for a
   * processed request whose operation failed. The payment keeps its money; the shop must notice the operation did
   * not succeed.
   */
  declineCommands?: boolean;
  /**
   * The outcome of every capture, refund, cancel and recurring charge of this payment becomes unknown to the
   * caller: the gateway performs the command at once (operation appended, callback sent, subject to the other
   * faults) but holds its HTTP answer this long before sending it, so a client with a shorter timeout never learns
   * what happened and must find out from the callback or the status API. Requests refused by validation (nothing
   * performed) are answered at once; reset and close cut a held answer short.
   */
  stallCommandsMs?: number;
}

/** The body of `PUT /_sim/faults` and `PUT /_sim/payments/{orderId}/faults`. `duplicate: true` means one extra copy. */
export const FaultsSchema = z.strictObject({
  delayMs: z.number().int().min(0).max(600_000).optional(),
  duplicate: z
    .union([z.boolean(), z.number().int().min(0).max(20)])
    .optional()
    .transform((d) => (d === true ? 1 : d === false ? 0 : d)),
  drop: z.boolean().optional(),
  reorder: z.boolean().optional(),
  failFirstAttempt: z.boolean().optional(),
  testMode: z.boolean().optional(),
  declineCommands: z.boolean().optional(),
  stallCommandsMs: z.number().int().min(0).max(600_000).optional(),
});

/** Later fault sets win field by field; `undefined` fields do not erase earlier ones. */
export function mergeFaults(...sets: (Faults | undefined)[]): Faults {
  const out: Faults = {};
  for (const set of sets) {
    if (!set) continue;
    for (const [key, value] of Object.entries(set) as [keyof Faults, Faults[keyof Faults]][]) {
      if (value !== undefined) (out as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}
