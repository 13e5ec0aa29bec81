/**
 * Reading Lyra's messages into `LyraTransaction`s: the form IPN and form return (`vads_*` fields, one transaction),
 * and the REST V4 payment (`kr-answer` of the REST IPN and return, and the `Order/Get` answer: every transaction).
 * Only the fields we read are checked; anything unreadable is said in `LyraReadError`'s words.
 */
import { z } from 'zod';
import { MAX_MONEY } from '../../modules/shared/money.js';
import { alphaCurrency } from './lyra.currency.js';
import type { LyraTransaction } from './lyra.payment.js';
import { lyraStatus } from './lyra.status.js';

export class LyraReadError extends Error {}

/** The fields of a url-encoded body; a field given twice is refused (which copy was signed?). */
export function formFields(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (Object.hasOwn(fields, k)) throw new LyraReadError(`field ${k.slice(0, 40)} is given twice`);
    fields[k] = v;
  }
  return fields;
}

/** `YYYYMMDDHHMMSS` (UTC) as seconds since the epoch. */
export function transDateSeconds(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  if (!m) throw new LyraReadError(`vads_trans_date ${v.slice(0, 20)} is not YYYYMMDDHHMMSS`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new LyraReadError(`vads_trans_date ${v} is not a date`);
  return t / 1000;
}

/** The UTC `YYYYMMDDHHMMSS` of an instant. */
export function transDateOf(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function minorUnits(v: string | number, field: string): number {
  const n = typeof v === 'number' ? v : /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_MONEY) throw new LyraReadError(`${field} is not an amount in minor units`);
  return n;
}

function knownStatus(code: string, field: string): string {
  if (!lyraStatus(code)) throw new LyraReadError(`${field} ${code.slice(0, 40)} is not a status Lyra documents`);
  return code;
}

function operationType(v: string | undefined): 'DEBIT' | 'CREDIT' {
  if (v === undefined || v === '' || v === 'DEBIT') return 'DEBIT';
  if (v === 'CREDIT') return 'CREDIT';
  throw new LyraReadError(`operation type ${v.slice(0, 20)} is neither DEBIT nor CREDIT`);
}

/** The one transaction a signed form message (IPN or return) tells. */
export function formTransaction(f: Readonly<Record<string, string>>): LyraTransaction {
  const need = (name: string) => {
    const v = f[name];
    if (v === undefined || v === '') throw new LyraReadError(`${name} is missing`);
    return v;
  };
  const orderId = need('vads_order_id');
  if (orderId.length > 64) throw new LyraReadError('vads_order_id is longer than 64 characters');
  const currency = alphaCurrency(need('vads_currency'));
  if (!currency) throw new LyraReadError(`vads_currency ${f.vads_currency.slice(0, 10)} is not an ISO 4217 numeric code known here`);
  const authResult = f.vads_auth_result;
  return {
    uuid: need('vads_trans_uuid').slice(0, 64),
    orderId,
    operationType: operationType(f.vads_operation_type),
    status: knownStatus(need('vads_trans_status'), 'vads_trans_status'),
    amount: minorUnits(need('vads_amount'), 'vads_amount'),
    authorisedAmount: null,
    bankAuthorised: authResult === undefined || authResult === '' ? null : authResult === '00',
    currency,
    createdAt: transDateSeconds(need('vads_trans_date')),
    testMode: need('vads_ctx_mode') === 'TEST',
  };
}

const amount = z.number().int().nonnegative().max(MAX_MONEY);

const RestTransaction = z.looseObject({
  uuid: z.string().min(1).max(64),
  shopId: z.string().optional(),
  amount,
  currency: z.string().regex(/^[A-Z]{3}$/),
  detailedStatus: z.string(),
  operationType: z.enum(['DEBIT', 'CREDIT']).default('DEBIT'),
  creationDate: z.string(),
  orderDetails: z.looseObject({ orderId: z.string().max(64).nullish(), mode: z.enum(['TEST', 'PRODUCTION']).nullish() }).nullish(),
  transactionDetails: z
    .looseObject({
      cardDetails: z
        .looseObject({ authorizationResponse: z.looseObject({ amount: amount.nullish(), authorizationResult: z.string().nullish() }).nullish() })
        .nullish(),
    })
    .nullish(),
});

/** A REST V4 payment (`kr-answer`) or order (`Order/Get` answer): an order id, a mode, transactions. */
export const RestPayment = z.looseObject({
  shopId: z.string().optional(),
  orderId: z.string().max(64).nullish(),
  orderDetails: z.looseObject({ orderId: z.string().max(64).nullish(), mode: z.enum(['TEST', 'PRODUCTION']).nullish() }).nullish(),
  transactions: z.array(RestTransaction).max(200).default([]),
});
export type RestPayment = z.infer<typeof RestPayment>;

/** Where a REST answer says it was made: its shop and mode (from the answer, or else its transactions). */
export function restOrigin(p: RestPayment): { shopId: string | null; mode: string | null; orderId: string | null } {
  const t = p.transactions[0];
  return {
    shopId: p.shopId ?? t?.shopId ?? null,
    mode: p.orderDetails?.mode ?? t?.orderDetails?.mode ?? null,
    orderId: p.orderDetails?.orderId ?? p.orderId ?? t?.orderDetails?.orderId ?? null,
  };
}

/** Every transaction of a REST payment, for the order `orderId`. */
export function restTransactions(p: RestPayment, fallbackMode: string): LyraTransaction[] {
  const origin = restOrigin(p);
  return p.transactions.map((t) => {
    const created = Date.parse(t.creationDate);
    if (!Number.isFinite(created)) throw new LyraReadError(`transaction ${t.uuid} has no readable creationDate`);
    const orderId = t.orderDetails?.orderId ?? origin.orderId;
    if (!orderId) throw new LyraReadError(`transaction ${t.uuid} names no order`);
    const auth = t.transactionDetails?.cardDetails?.authorizationResponse;
    return {
      uuid: t.uuid,
      orderId,
      operationType: t.operationType,
      status: knownStatus(t.detailedStatus, 'detailedStatus'),
      amount: t.amount,
      authorisedAmount: auth?.amount ?? null,
      bankAuthorised: auth?.authorizationResult == null ? null : auth.authorizationResult === '0',
      currency: t.currency,
      createdAt: Math.floor(created / 1000),
      testMode: (t.orderDetails?.mode ?? origin.mode ?? fallbackMode) === 'TEST',
    };
  });
}

/** A `kr-answer` read as JSON and checked. */
export function readKrAnswer(krAnswer: string): RestPayment {
  let json: unknown;
  try {
    json = JSON.parse(krAnswer);
  } catch {
    throw new LyraReadError('kr-answer is not JSON');
  }
  const parsed = RestPayment.safeParse(json);
  if (!parsed.success) throw new LyraReadError(`kr-answer is not a Lyra payment: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}
