/**
 * A Stripe webhook event, read only for what it is about: its id (the dedup key), and which of our payments its
 * object belongs to. What it claims happened is never applied: every event is confirmed by fetching the
 * PaymentIntent (events arrive out of order and more than once; the PaymentIntent as it is now does not).
 */
import { z } from 'zod';

export const StripeEventSchema = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  livemode: z.boolean().default(false),
  data: z.looseObject({
    object: z.looseObject({
      id: z.string().min(1).max(255).optional(),
      object: z.string(),
      metadata: z.record(z.string(), z.unknown()).nullable().optional(),
      // A Charge's, a Refund's or a Checkout Session's PaymentIntent: an id, or the object when expanded.
      payment_intent: z.union([z.string(), z.looseObject({ id: z.string() })]).nullable().optional(),
    }),
  }),
});
export type StripeEvent = z.infer<typeof StripeEventSchema>;

/** The objects whose events can concern a payment of ours; each carries our reference in its metadata when ours. */
const PAYMENT_OBJECTS: ReadonlySet<string> = new Set(['payment_intent', 'charge', 'refund', 'checkout.session']);

/** What an event is about, when it is about a payment of ours. */
export interface EventSubject {
  reference: string;
  /** The PaymentIntent's id. */
  paymentIntentId: string;
}

/**
 * Which payment of ours the event concerns, or null: another kind of object (customers, payouts, invoices...), or
 * one without our `metadata.reference` (made outside this service, or a Charge, whose metadata Stripe does not copy
 * from its PaymentIntent), or one that names no PaymentIntent (a Checkout Session that expired unpaid: the
 * reconciler's schedule ends that payment; there is no PaymentIntent to confirm it with).
 */
export function eventSubject(event: StripeEvent): EventSubject | null {
  const object = event.data.object;
  if (!PAYMENT_OBJECTS.has(object.object)) return null;
  const reference = object.metadata?.reference;
  if (typeof reference !== 'string' || !reference) return null;
  const pi = object.object === 'payment_intent' ? (object.id ?? null) : typeof object.payment_intent === 'string' ? object.payment_intent : (object.payment_intent?.id ?? null);
  if (!pi) return null;
  return { reference, paymentIntentId: pi };
}
