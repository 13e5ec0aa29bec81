/**
 * The QuickPay v10 payment resource the simulator keeps, and the bookkeeping rules QuickPay applies to it: which
 * state a list of operations means, and when a capture, refund, cancel or recurring charge is allowed. A recurring
 * charge of a subscription is, as at QuickPay, a payment of its own: its `subscription_id` names the subscription,
 * its `recurring` operation is its authorisation, and it is captured, refunded or cancelled like any payment. Pure
 * functions: no I/O.
 */

/** QuickPay's code for an approved operation. */
export const QP_APPROVED = '20000';
/** Rejected by the acquirer (e.g. a declined card). */
export const QP_REJECTED = '40000';
/** Request data error: what QuickPay answers for a capture over the authorised amount and the like. */
export const QP_REQUEST_ERROR = '40001';

/** One entry of `operations[]`, with the fields the real API returns (the adapter reads only some of them). */
export interface SimOperation {
  id: number;
  type: string;
  amount: number;
  pending: boolean;
  qp_status_code: string | null;
  qp_status_msg: string | null;
  aq_status_code: string | null;
  aq_status_msg: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

/** The payment window parameters QuickPay keeps under `link`. */
export interface SimLink {
  url: string;
  agreement_id: number | string;
  language: string;
  amount: number;
  continue_url: string;
  cancel_url: string;
  callback_url: string;
  payment_methods: string | null;
  auto_capture: boolean;
  auto_fee: boolean | null;
}

/** The whole payment resource, as callbacks and `GET /payments/{id}` carry it. */
export interface SimPayment {
  id: number;
  merchant_id: number | string;
  order_id: string;
  accepted: boolean;
  type: 'Payment' | 'Subscription';
  text_on_statement: string | null;
  branding_id: number | null;
  variables: Record<string, string>;
  currency: string;
  state: 'initial' | 'pending' | 'new' | 'rejected' | 'processed';
  metadata: Record<string, unknown>;
  link: SimLink;
  shipping_address: null;
  invoice_address: null;
  basket: unknown[];
  operations: SimOperation[];
  test_mode: boolean;
  acquirer: string;
  facilitator: string | null;
  created_at: string;
  updated_at: string;
  retented_at: string | null;
  balance: number;
  fee: number | null;
  deadline_at: string | null;
  description: string | null;
  /** The subscription a recurring charge belongs to; null for every other payment and for subscriptions. */
  subscription_id: number | null;
}

/** What a caller asks to append; the rest is filled in. */
export interface OperationInput {
  type: string;
  amount?: number;
  qp_status_code?: string;
  qp_status_msg?: string;
  /** null for a request QuickPay refused itself, without asking the acquirer. */
  aq_status_code?: string | null;
  pending?: boolean;
  /** The operation's `data` (e.g. a recurring charge's `order_id`); empty when absent. */
  data?: Record<string, unknown>;
}

/** The money so far, counting approved, settled operations only. */
export interface Totals {
  authorised: number;
  captured: number;
  refunded: number;
  cancelled: boolean;
}

/** Numeric strings become numbers, as QuickPay returns ids as integers. */
export const numericOrString = (s: string): number | string => (/^\d{1,15}$/.test(s) ? Number(s) : s);

const isApproved = (op: SimOperation) => !op.pending && op.qp_status_code === QP_APPROVED;

/** The operations that authorise: a payment's, a subscription's, and a recurring charge's (made on its subscription). */
const AUTHORISING = new Set(['authorize', 'subscribe', 'recurring']);

/** The latest approved authorisation counts (a retry after a rejection replaces nothing). */
export function totals(payment: SimPayment): Totals {
  const ok = payment.operations.filter(isApproved);
  const lastAuth = [...ok].reverse().find((o) => AUTHORISING.has(o.type));
  const sum = (type: string) => ok.filter((o) => o.type === type).reduce((s, o) => s + o.amount, 0);
  return {
    authorised: lastAuth?.amount ?? 0,
    captured: sum('capture'),
    refunded: sum('refund'),
    cancelled: ok.some((o) => o.type === 'cancel'),
  };
}

/**
 * Re-derives `accepted`, `state` and `balance` from the operations, as QuickPay does after each one:
 * initial (nothing yet) -> pending (an operation in flight) -> new (authorised) -> processed (captured, refunded
 * or cancelled); rejected when the only authorisations were refused.
 */
export function recompute(payment: SimPayment): void {
  const t = totals(payment);
  const last = payment.operations.at(-1);
  payment.accepted = isAuthorised(payment);
  payment.balance = t.captured - t.refunded;
  if (last?.pending) payment.state = 'pending';
  else if (t.cancelled || t.captured > 0) payment.state = 'processed';
  else if (payment.accepted) payment.state = 'new';
  else if (payment.operations.some((o) => o.type === 'authorize' || o.type === 'recurring')) payment.state = 'rejected';
  else payment.state = 'initial';
  payment.updated_at = new Date().toISOString();
}

/** Appends one operation with the next id (ids count from 1 per payment) and re-derives the state. */
export function appendOperation(payment: SimPayment, input: OperationInput): SimOperation {
  const code = input.qp_status_code ?? QP_APPROVED;
  const op: SimOperation = {
    id: (payment.operations.at(-1)?.id ?? 0) + 1,
    type: input.type,
    amount: input.amount ?? defaultAmount(payment, input.type),
    pending: input.pending ?? false,
    qp_status_code: code,
    qp_status_msg: input.qp_status_msg ?? (code === QP_APPROVED ? 'Approved' : 'Rejected test operation'),
    aq_status_code: input.aq_status_code !== undefined ? input.aq_status_code : code === QP_APPROVED ? '20000' : '40000',
    aq_status_msg: input.aq_status_code === null ? null : code === QP_APPROVED ? 'Approved' : 'Declined',
    data: { ...input.data },
    created_at: new Date().toISOString(),
  };
  payment.operations.push(op);
  recompute(payment);
  return op;
}

/** What an operation without an amount is worth: the whole window amount, what is left to capture, and so on. */
export function defaultAmount(payment: SimPayment, type: string): number {
  const t = totals(payment);
  switch (type) {
    case 'authorize':
    case 'subscribe':
      return payment.link.amount;
    case 'capture':
      return Math.max(0, t.authorised - t.captured);
    case 'refund':
      return Math.max(0, t.captured - t.refunded);
    default:
      return 0;
  }
}

/** The REST commands QuickPay runs on a resource: capture / refund / cancel a payment, cancel a subscription. */
export type CommandType = 'capture' | 'refund' | 'cancel';

/** True when an authorisation (`authorize`, `subscribe`, or a charge's `recurring`) was approved. */
function isAuthorised(payment: SimPayment): boolean {
  return payment.operations.some((o) => AUTHORISING.has(o.type) && isApproved(o));
}

/** Why QuickPay would refuse to charge this subscription again, or null when it may. */
export function recurringError(subscription: SimPayment): string | null {
  if (totals(subscription).cancelled) return 'Subscription is cancelled';
  return isAuthorised(subscription) ? null : 'Subscription is not authorized';
}

/**
 * Why QuickPay would refuse this command, or null when it is allowed. A payment (a recurring charge too): capture
 * up to what is authorised and not captured, refund up to what is captured and not refunded, cancel only before any
 * capture. A subscription is only cancelled (its money is in its charges), which ends future charges.
 */
export function commandError(payment: SimPayment, type: CommandType, amount: number): string | null {
  const t = totals(payment);
  const subscription = payment.type === 'Subscription';
  if (type !== 'cancel' && subscription) return `A subscription is not ${type === 'capture' ? 'captured' : 'refunded'}: its recurring payments are`;
  const noun = subscription ? 'Subscription' : 'Payment';
  if (t.cancelled) return `${noun} is cancelled`;
  if (!isAuthorised(payment) || (!subscription && t.authorised === 0)) return `${noun} is not authorized`;
  if (type === 'cancel') return !subscription && t.captured > 0 ? 'Cannot cancel a captured payment' : null;
  if (!Number.isInteger(amount) || amount <= 0) return 'Amount must be a positive integer';
  if (type === 'capture' && amount > t.authorised - t.captured) {
    return `Capture amount ${amount} exceeds the remaining authorized amount ${t.authorised - t.captured}`;
  }
  if (type === 'refund' && amount > t.captured - t.refunded) {
    return `Refund amount ${amount} exceeds the captured amount not yet refunded ${t.captured - t.refunded}`;
  }
  return null;
}
