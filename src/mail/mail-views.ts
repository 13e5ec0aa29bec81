/**
 * What the mail templates see: the order, its payment and the shop, with every amount and date already formatted
 * (in MAIL_LOCALE and MAIL_TIME_ZONE), so a template needs no helpers. Every field is always present (null when it
 * does not apply): the templates are compiled in strict mode, where a misspelt field is an error, not a blank.
 */
import type { Order } from '../modules/order/order.entity.js';
import { OrderFlag, OrderLineKind } from '../modules/order/order.entity.js';
import type { Payment } from '../modules/payment/payment.entity.js';
import type { FlagNotice } from './flag-notices.js';

/** An amount: its minor units (as stored) and as people read it ("DKK 1,234.50"). */
export interface MoneyView {
  minor: number;
  formatted: string;
}

export interface OrderLineView {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: MoneyView;
  lineTotal: MoneyView;
  /** A line the shop added (seed 003's coupon note), not goods: it has no price worth showing. */
  isNote: boolean;
}

export interface OrderView {
  id: string;
  /**
   * The order number the customer knows: the payment reference, which the gateway's window and receipt show
   * (each order has exactly one payment).
   */
  number: string;
  status: string;
  currency: string;
  customerEmail: string | null;
  placedAt: string;
  readyAt: string | null;
  lines: OrderLineView[];
  customFields: { key: string; value: string }[];
  couponCodes: string[];
  giftCards: { code: string; amount: MoneyView }[];
  subtotal: MoneyView;
  /** Null when there is no discount. */
  discountTotal: MoneyView | null;
  /** Null when no gift card paid for part of it. */
  giftCardTotal: MoneyView | null;
  /** What was paid at the gateway, fee excluded. */
  total: MoneyView;
  /** The gateway's fee (seed 003: QuickPay's autofee); null when there is none. */
  fee: MoneyView | null;
  /** `total` plus the fee: what the customer was charged. */
  totalWithFee: MoneyView;
  flags: string[];
}

export interface PaymentView {
  reference: string;
  gateway: string;
  status: string;
  gatewayPaymentId: string | null;
  amountAuthorized: MoneyView;
  testMode: boolean;
}

/** What every template sees. */
export interface MailView {
  shop: { name: string };
  order: OrderView;
  payment: PaymentView;
}

/** The shop alert about one flag. */
export interface FlagAlertView extends MailView {
  flag: OrderFlag;
  notice: FlagNotice;
  /** `is.OUT_OF_STOCK` is true for that flag only: for templates that word each flag themselves. */
  is: Record<OrderFlag, boolean>;
}

/** Formats amounts and dates the same way in every message. */
export class MailFormat {
  private readonly dates: Intl.DateTimeFormat;
  private readonly currencies = new Map<string, Intl.NumberFormat>();

  constructor(
    private readonly locale: string,
    timeZone: string,
  ) {
    this.dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone });
  }

  /** Minor units as a decimal in the currency's own number of digits (ISO 4217), formatted exactly. */
  money(minor: number, currency: string): MoneyView {
    let format = this.currencies.get(currency);
    if (!format) {
      format = new Intl.NumberFormat(this.locale, { style: 'currency', currency });
      this.currencies.set(currency, format);
    }
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    // A decimal string, not minor / 10^digits: Intl formats a string exactly, a float near 2^53 it would round.
    const units = String(minor).padStart(digits + 1, '0');
    const decimal = digits ? `${units.slice(0, -digits)}.${units.slice(-digits)}` : units;
    return { minor, formatted: format.format(decimal as Intl.StringNumericLiteral) };
  }

  date(d: Date): string {
    return this.dates.format(d);
  }
}

export function mailView(format: MailFormat, shopName: string, order: Order, payment: Payment): MailView {
  const money = (minor: number) => format.money(minor, order.currency);
  const fee = payment.fee ?? 0;
  return {
    shop: { name: shopName },
    order: {
      id: order.id,
      number: payment.reference,
      status: order.status,
      currency: order.currency,
      customerEmail: order.customerEmail ?? null,
      placedAt: format.date(order.placedAt),
      readyAt: order.readyAt ? format.date(order.readyAt) : null,
      lines: order.lines.map((l) => ({
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unitPrice: money(l.unitPrice),
        lineTotal: money(l.lineTotal),
        isNote: l.kind === OrderLineKind.NOTE,
      })),
      customFields: Object.entries(order.customFields).map(([key, value]) => ({ key, value })),
      couponCodes: [...order.couponCodes],
      giftCards: order.giftCards.map((g) => ({ code: g.code, amount: money(g.amount) })),
      subtotal: money(order.subtotal),
      discountTotal: order.discountTotal > 0 ? money(order.discountTotal) : null,
      giftCardTotal: order.giftCardTotal > 0 ? money(order.giftCardTotal) : null,
      total: money(order.total),
      fee: fee > 0 ? money(fee) : null,
      totalWithFee: money(order.total + fee),
      flags: [...order.flags],
    },
    payment: {
      reference: payment.reference,
      gateway: payment.gateway,
      status: payment.status,
      gatewayPaymentId: payment.gatewayPaymentId ?? null,
      amountAuthorized: money(payment.amountAuthorized),
      testMode: payment.testMode,
    },
  };
}

export function flagAlertView(base: MailView, flag: OrderFlag, notice: FlagNotice): FlagAlertView {
  const is = Object.fromEntries(Object.values(OrderFlag).map((f) => [f, f === flag])) as Record<OrderFlag, boolean>;
  return { ...base, flag, notice, is };
}
