/**
 * What the Lyra simulator holds: orders and their transactions, as Lyra's REST API V4 shows them, and the signed
 * form messages (IPN, browser return) Lyra makes from a transaction. In memory; one simulator, one shop.
 */
import { randomBytes } from 'node:crypto';
import { alphaCurrency } from '../../gateways/lyra/lyra.currency.js';
import { transDateOf } from '../../gateways/lyra/lyra.messages.js';
import { signForm, type LyraSignatureAlgorithm } from '../../gateways/lyra/lyra.signing.js';

export interface SimTransaction {
  uuid: string;
  orderId: string;
  transId: string;
  operationType: 'DEBIT' | 'CREDIT';
  detailedStatus: string;
  amount: number;
  authorisedAmount: number;
  authorised: boolean;
  currency: string;
  numericCurrency: string;
  createdAt: Date;
  mode: 'TEST' | 'PRODUCTION';
  /** The form the shopper came with (return and IPN URLs). */
  form: Readonly<Record<string, string>>;
}

export interface ShopKeys {
  siteId: string;
  mode: 'TEST' | 'PRODUCTION';
  key: string;
  algorithm: LyraSignatureAlgorithm;
}

export class LyraOrders {
  readonly transactions: SimTransaction[] = [];

  constructor(private readonly shop: ShopKeys) {}

  /** A new DEBIT for a payment form that verified. */
  open(form: Readonly<Record<string, string>>): SimTransaction {
    const t: SimTransaction = {
      uuid: randomBytes(16).toString('hex'),
      orderId: form.vads_order_id,
      transId: form.vads_trans_id,
      operationType: 'DEBIT',
      detailedStatus: 'INITIAL',
      amount: Number(form.vads_amount),
      authorisedAmount: Number(form.vads_amount),
      authorised: false,
      currency: alphaCurrency(form.vads_currency) ?? 'EUR',
      numericCurrency: form.vads_currency,
      // Lyra's transaction date is the one in the form; the simulator keeps the form's.
      createdAt: parseTransDate(form.vads_trans_date),
      mode: this.shop.mode,
      form,
    };
    this.transactions.push(t);
    return t;
  }

  byUuid(uuid: string): SimTransaction | undefined {
    return this.transactions.find((t) => t.uuid === uuid);
  }

  ofOrder(orderId: string): SimTransaction[] {
    return this.transactions.filter((t) => t.orderId === orderId);
  }

  /** A CREDIT (refund) of `parent`, captured at once. */
  refund(parent: SimTransaction, amount: number): SimTransaction {
    const t: SimTransaction = { ...parent, uuid: randomBytes(16).toString('hex'), operationType: 'CREDIT', detailedStatus: 'CAPTURED', amount, authorisedAmount: amount, createdAt: new Date() };
    this.transactions.push(t);
    return t;
  }

  /** The signed `vads_*` fields Lyra posts (IPN) or adds to the return URL for a transaction. */
  signedFields(t: SimTransaction, source: string): Record<string, string> {
    const fields: Record<string, string> = {
      vads_site_id: this.shop.siteId,
      vads_ctx_mode: t.mode,
      vads_order_id: t.orderId,
      vads_trans_id: t.transId,
      vads_trans_uuid: t.uuid,
      vads_trans_date: transDateOf(t.createdAt),
      vads_amount: String(t.amount),
      vads_currency: t.numericCurrency,
      vads_trans_status: t.detailedStatus,
      vads_operation_type: t.operationType,
      vads_auth_result: t.authorised ? '00' : t.detailedStatus === 'REFUSED' ? '05' : '',
      vads_url_check_src: source,
      vads_version: 'V2',
    };
    return { ...fields, signature: signForm(fields, this.shop.key, this.shop.algorithm) };
  }

  /** An order as REST `Order/Get` answers it. */
  restOrder(orderId: string): Record<string, unknown> {
    return {
      orderId,
      orderDetails: { orderId, mode: this.shop.mode },
      transactions: this.ofOrder(orderId).map((t) => ({
        uuid: t.uuid,
        shopId: this.shop.siteId,
        amount: t.amount,
        currency: t.currency,
        status: restStatus(t.detailedStatus),
        detailedStatus: t.detailedStatus,
        operationType: t.operationType,
        creationDate: t.createdAt.toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        orderDetails: { orderId, mode: t.mode },
        transactionDetails: { cardDetails: { authorizationResponse: { amount: t.authorisedAmount, authorizationResult: t.authorised ? '0' : t.detailedStatus === 'REFUSED' ? '5' : null } } },
      })),
    };
  }
}

function restStatus(detailed: string): string {
  if (['AUTHORISED', 'AUTHORISED_TO_VALIDATE', 'CAPTURED'].includes(detailed)) return 'PAID';
  if (['REFUSED', 'CANCELLED', 'EXPIRED', 'ABANDONED', 'NOT_CREATED', 'CAPTURE_FAILED'].includes(detailed)) return 'UNPAID';
  return 'RUNNING';
}

function parseTransDate(v: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v ?? '');
  if (!m) return new Date();
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}
