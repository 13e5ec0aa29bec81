/**
 * The Stripe simulator's account: Checkout Sessions, PaymentIntents, their Charges and Refunds, in memory, and the
 * transitions the adapter relies on (pay, decline, capture, cancel, refund). Each change returns the events Stripe
 * would send for it; the webhook sender delivers them. Shapes follow API version 2024-06-20 for the fields the
 * adapter reads; the rest of Stripe's objects is left out.
 */
import { randomBytes } from 'node:crypto';

export interface SimRefund {
  id: string;
  object: 'refund';
  amount: number;
  status: 'succeeded';
  payment_intent: string;
  charge: string;
  metadata: Record<string, string>;
  created: number;
}

export interface SimCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  refunded: boolean;
  status: 'succeeded' | 'failed';
  payment_intent: string;
  currency: string;
  metadata: Record<string, string>;
}

export interface SimPaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: 'requires_payment_method' | 'requires_capture' | 'succeeded' | 'canceled';
  capture_method: string;
  livemode: false;
  metadata: Record<string, string>;
  last_payment_error: { code: string; message: string } | null;
  latest_charge: string | null;
  created: number;
}

export interface SimSession {
  id: string;
  object: 'checkout.session';
  url: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  mode: string;
  amount_total: number;
  currency: string;
  success_url: string;
  cancel_url: string;
  client_reference_id: string | null;
  payment_intent: string | null;
  metadata: Record<string, string>;
  /** What the PaymentIntent gets when the shopper pays (`payment_intent_data`). */
  intentData: { captureMethod: string; metadata: Record<string, string> };
}

/** One event as Stripe sends it: `data.object` is the object as it was when the event happened. */
export interface SimEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  livemode: false;
  type: string;
  data: { object: unknown };
}

/** A refusal of a request, as Stripe answers it (`error.type`, `code`, `message`) with an HTTP status. */
export class SimRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const copy = <T>(o: T): T => structuredClone(o);

export class StripeSimState {
  readonly sessions = new Map<string, SimSession>();
  readonly intents = new Map<string, SimPaymentIntent>();
  readonly charges = new Map<string, SimCharge>();
  readonly refunds = new Map<string, SimRefund>();
  readonly events: SimEvent[] = [];

  constructor(private readonly publicUrl: () => string) {}

  createSession(p: Omit<SimSession, 'id' | 'object' | 'url' | 'status' | 'payment_status' | 'payment_intent'>): SimSession {
    const sid = id('cs_test');
    const session: SimSession = { ...p, id: sid, object: 'checkout.session', url: `${this.publicUrl()}/c/pay/${sid}`, status: 'open', payment_status: 'unpaid', payment_intent: null };
    this.sessions.set(sid, session);
    return session;
  }

  /** The shopper pays on the hosted page: authorised (manual capture), or declined (the session stays open for a retry). */
  pay(sessionId: string, outcome: 'authorise' | 'decline'): SimEvent[] {
    const session = this.sessions.get(sessionId);
    if (!session || session.status !== 'open') throw new SimRequestError(400, 'session_not_open', `Checkout Session ${sessionId} is not open`);
    let pi = session.payment_intent ? this.intents.get(session.payment_intent)! : undefined;
    if (!pi) {
      pi = {
        id: id('pi'),
        object: 'payment_intent',
        amount: session.amount_total,
        amount_capturable: 0,
        amount_received: 0,
        currency: session.currency,
        status: 'requires_payment_method',
        capture_method: session.intentData.captureMethod,
        livemode: false,
        metadata: { ...session.intentData.metadata },
        last_payment_error: null,
        latest_charge: null,
        created: now(),
      };
      this.intents.set(pi.id, pi);
      session.payment_intent = pi.id;
    }
    if (outcome === 'decline') {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = { code: 'card_declined', message: 'Your card was declined.' };
      return [this.event('payment_intent.payment_failed', pi)];
    }
    const charge: SimCharge = {
      id: id('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: 0,
      amount_refunded: 0,
      captured: false,
      refunded: false,
      status: 'succeeded',
      payment_intent: pi.id,
      currency: pi.currency,
      // Stripe does not copy the PaymentIntent's metadata to its charges.
      metadata: {},
    };
    this.charges.set(charge.id, charge);
    Object.assign(pi, { latest_charge: charge.id, last_payment_error: null, status: 'requires_capture', amount_capturable: pi.amount });
    if (pi.capture_method !== 'manual') this.doCapture(pi, pi.amount);
    Object.assign(session, { status: 'complete', payment_status: 'paid' });
    const piEvent = pi.status === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.amount_capturable_updated';
    return [this.event(piEvent, pi), this.event('checkout.session.completed', this.publicSession(session))];
  }

  capture(piId: string, amount: number | undefined): SimEvent[] {
    const pi = this.intent(piId);
    if (pi.status !== 'requires_capture') throw new SimRequestError(400, 'payment_intent_unexpected_state', `This PaymentIntent could not be captured because it has a status of ${pi.status}.`);
    const toCapture = amount ?? pi.amount_capturable;
    if (toCapture <= 0 || toCapture > pi.amount_capturable) throw new SimRequestError(400, 'amount_too_large', `amount_to_capture must be between 1 and ${pi.amount_capturable}`);
    this.doCapture(pi, toCapture);
    const charge = this.charges.get(pi.latest_charge!)!;
    return [this.event('charge.captured', charge), this.event('payment_intent.succeeded', pi)];
  }

  cancel(piId: string): SimEvent[] {
    const pi = this.intent(piId);
    if (pi.status === 'succeeded' || pi.status === 'canceled') throw new SimRequestError(400, 'payment_intent_unexpected_state', `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`);
    Object.assign(pi, { status: 'canceled', amount_capturable: 0 });
    return [this.event('payment_intent.canceled', pi)];
  }

  refund(piId: string, amount: number | undefined, metadata: Record<string, string>): { refund: SimRefund; events: SimEvent[] } {
    const pi = this.intent(piId);
    const charge = pi.latest_charge ? this.charges.get(pi.latest_charge) : undefined;
    if (pi.status !== 'succeeded' || !charge) throw new SimRequestError(400, 'charge_not_captured', `PaymentIntent ${piId} has no captured charge to refund`);
    const left = charge.amount_captured - charge.amount_refunded;
    const toRefund = amount ?? left;
    if (toRefund <= 0 || toRefund > left) throw new SimRequestError(400, 'amount_too_large', `Refund amount (${toRefund}) is greater than unrefunded amount on charge (${left})`);
    const refund: SimRefund = { id: id('re'), object: 'refund', amount: toRefund, status: 'succeeded', payment_intent: pi.id, charge: charge.id, metadata, created: now() };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += toRefund;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    return { refund: copy(refund), events: [this.event('refund.created', refund), this.event('charge.refunded', charge)] };
  }

  /**
   * The PaymentIntent as the API shows it, with `latest_charge` and `latest_charge.refunds` expanded when asked.
   * Throws 404 for an unknown id.
   */
  showIntent(piId: string, expand: readonly string[]): unknown {
    const pi = copy(this.intent(piId)) as Omit<SimPaymentIntent, 'latest_charge'> & { latest_charge: unknown };
    if (pi.latest_charge && expand.includes('latest_charge')) {
      const charge = copy(this.charges.get(pi.latest_charge as string)!) as SimCharge & { refunds?: unknown };
      if (expand.includes('latest_charge.refunds')) {
        const data = [...this.refunds.values()].filter((r) => r.charge === charge.id).reverse();
        charge.refunds = { object: 'list', data: copy(data), has_more: false };
      }
      pi.latest_charge = charge;
    }
    return pi;
  }

  /** The Checkout Session as the API shows it (without what only the simulator keeps). */
  publicSession(session: SimSession): Omit<SimSession, 'intentData'> {
    const { intentData: _, ...shown } = copy(session);
    return shown;
  }

  intent(piId: string): SimPaymentIntent {
    const pi = this.intents.get(piId);
    if (!pi) throw new SimRequestError(404, 'resource_missing', `No such payment_intent: '${piId}'`);
    return pi;
  }

  /** The PaymentIntent's (or session's) reference: what faults and waits are keyed by. */
  referenceOf(object: { metadata?: Record<string, string>; payment_intent?: string | null }): string | null {
    if (object.metadata?.reference) return object.metadata.reference;
    const pi = object.payment_intent ? this.intents.get(object.payment_intent) : undefined;
    return pi?.metadata.reference ?? null;
  }

  private doCapture(pi: SimPaymentIntent, amount: number): void {
    const charge = this.charges.get(pi.latest_charge!)!;
    Object.assign(charge, { captured: true, amount_captured: amount });
    // Stripe releases what is not captured: one capture per PaymentIntent.
    Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
  }

  private event(type: string, object: unknown): SimEvent {
    const event: SimEvent = { id: id('evt'), object: 'event', api_version: '2024-06-20', created: now(), livemode: false, type, data: { object: copy(object) } };
    this.events.push(event);
    return event;
  }
}
