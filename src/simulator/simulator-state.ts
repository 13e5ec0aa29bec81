/**
 * The simulator's memory: payments by id and by order id, and the fault sets (defaults and per order id). Faults
 * are kept by order id, not payment id, so a test can arm them before the shopper opens the window.
 */
import { mergeFaults, type Faults } from './faults.js';
import type { SimLink, SimPayment } from './payment-resource.js';
import { numericOrString, recompute } from './payment-resource.js';

/** What the payment window form asks for. */
export interface NewPaymentInput {
  merchantId: string;
  orderId: string;
  currency: string;
  type: 'Payment' | 'Subscription';
  description: string | null;
  link: SimLink;
  /** Set for a recurring charge: the subscription it charges. */
  subscriptionId?: number;
}

interface Entry {
  payment: SimPayment;
  /** The default faults when the payment was created: later changes to the defaults affect new payments only. */
  defaults: Faults;
}

/** In-memory store of payments and faults; one per simulator instance. */
export class SimulatorState {
  private readonly byId = new Map<number, Entry>();
  private readonly byOrderId = new Map<string, number>();
  private readonly faultsByOrderId = new Map<string, Faults>();
  private defaultFaults: Faults = {};
  /**
   * Ids start from the clock so a restarted simulator does not hand out an id a shop's database already holds
   * for another order. They keep counting after a reset for the same reason.
   */
  private nextId = Date.now();

  /** Creates the payment for an order id, or returns the existing one (QuickPay reuses a payment per order id). */
  upsert(input: NewPaymentInput): { payment: SimPayment; created: boolean } {
    const existing = this.byOrderIdLookup(input.orderId);
    if (existing) {
      // A shopper back in the window with changed parameters: QuickPay updates the link until the payment is paid.
      if (!existing.accepted) {
        existing.link = input.link;
        existing.currency = input.currency;
        existing.updated_at = new Date().toISOString();
      }
      return { payment: existing, created: false };
    }
    const now = new Date().toISOString();
    const payment: SimPayment = {
      id: this.nextId++,
      merchant_id: numericOrString(input.merchantId),
      order_id: input.orderId,
      accepted: false,
      type: input.type,
      text_on_statement: null,
      branding_id: null,
      variables: {},
      currency: input.currency,
      state: 'initial',
      metadata: {},
      link: input.link,
      shipping_address: null,
      invoice_address: null,
      basket: [],
      operations: [],
      test_mode: false,
      acquirer: 'clearhaus',
      facilitator: null,
      created_at: now,
      updated_at: now,
      retented_at: null,
      balance: 0,
      fee: 0,
      deadline_at: null,
      description: input.description,
      subscription_id: input.subscriptionId ?? null,
    };
    recompute(payment);
    this.byId.set(payment.id, { payment, defaults: { ...this.defaultFaults } });
    this.byOrderId.set(payment.order_id, payment.id);
    return { payment, created: true };
  }

  /** The live (mutable) payment; callers outside the simulator should use {@link SimulatorState.view}. */
  get(id: number): SimPayment | undefined {
    return this.byId.get(id)?.payment;
  }

  private byOrderIdLookup(orderId: string): SimPayment | undefined {
    const id = this.byOrderId.get(orderId);
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * A deep copy of the payment as the outside world sees it (callbacks and status API alike), with the `testMode`
   * fault applied, so nobody can change the simulator's state through a returned object.
   */
  view(id: number): SimPayment | undefined {
    const payment = this.get(id);
    if (!payment) return undefined;
    const copy = structuredClone(payment);
    const override = this.faultsFor(id).testMode;
    if (override !== undefined) copy.test_mode = override;
    return copy;
  }

  /** Views of every payment, oldest first. */
  all(): SimPayment[] {
    return [...this.byId.keys()].map((id) => this.view(id)!);
  }

  /** Views of a subscription's recurring charges, oldest first. */
  chargesOf(subscriptionId: number): SimPayment[] {
    return [...this.byId.values()].filter((e) => e.payment.subscription_id === subscriptionId).map((e) => this.view(e.payment.id)!);
  }

  /** Whether a payment or subscription has this order id (QuickPay wants them unique). */
  hasOrderId(orderId: string): boolean {
    return this.byOrderId.has(orderId);
  }

  /** Views of the payments for one order id (zero or one). */
  findByOrderId(orderId: string): SimPayment[] {
    const id = this.byOrderId.get(orderId);
    return id === undefined ? [] : [this.view(id)!];
  }

  /** The faults in force for a payment now: its creation-time defaults, overridden by its order id's faults. */
  faultsFor(id: number): Faults {
    const entry = this.byId.get(id);
    if (!entry) return {};
    return mergeFaults(entry.defaults, this.faultsByOrderId.get(entry.payment.order_id));
  }

  /** Replaces the faults for one order id; returns the payment id when the payment exists already. */
  setFaults(orderId: string, faults: Faults): number | undefined {
    this.faultsByOrderId.set(orderId, { ...faults });
    return this.byOrderId.get(orderId);
  }

  /** Replaces the defaults given to payments created from now on. */
  setDefaultFaults(faults: Faults): void {
    this.defaultFaults = { ...faults };
  }

  getDefaultFaults(): Faults {
    return { ...this.defaultFaults };
  }

  /** Forgets every payment and fault; ids keep counting. */
  reset(): void {
    this.byId.clear();
    this.byOrderId.clear();
    this.faultsByOrderId.clear();
    this.defaultFaults = {};
  }
}
