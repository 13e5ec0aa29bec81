/**
 * The service's e-mail: the confirmation to the customer once an order is ready, and the shop's alerts (a flag on
 * an order, a payment still pending). Renders a message from its templates and hands it to the transport (SMTP
 * or the local mail folder).
 *
 * Every message's Message-ID is derived from the order and what the message is about
 * (`<order-{id}.confirmation@{host of PUBLIC_BASE_URL}>`), never random: the outbox delivers at least once, and a
 * second delivery of the same message then carries the same Message-ID, which mail programs and servers use to
 * recognise (and many to drop) the duplicate.
 */
import type { Logger } from '../app/logger.js';
import { parseMailbox, type MailConfig } from '../config/config.js';
import type { Order, OrderFlag } from '../modules/order/order.entity.js';
import { OrderFlag as Flags, OrderLineKind } from '../modules/order/order.entity.js';
import { OrderStatus } from '../modules/order/order.machine.js';
import type { Payment } from '../modules/payment/payment.entity.js';
import { PaymentStatus } from '../modules/payment/payment.machine.js';
import { GatewayName } from '../gateways/gateway.js';
import { FLAG_NOTICES } from './flag-notices.js';
import { MailTemplate, MailTemplates } from './mail-templates.js';
import { createMailTransport, type MailTransport } from './mail-transport.js';
import { flagAlertView, MailFormat, mailView, type MailView } from './mail-views.js';

/** How a message went. */
export interface MailReceipt {
  /** False when nothing was owed (no address to send to); `answer` then says why. */
  sent: boolean;
  messageId: string | null;
  /** What the SMTP server answered, the file written, or why nothing was sent. Stored on the outbox row. */
  answer: string;
}

export class Mailer {
  private readonly format: MailFormat;
  private readonly shopName: string;

  constructor(
    private readonly config: MailConfig,
    private readonly templates: MailTemplates,
    private readonly transport: MailTransport,
    private readonly log: Logger,
  ) {
    this.format = new MailFormat(config.locale, config.timeZone);
    const from = parseMailbox(config.from);
    this.shopName = from?.name || from?.address || config.from;
  }

  /** Where messages go (`smtp://host:587` or `folder /path`), for logs and the start-up banner. */
  get destination(): string {
    return this.transport.description;
  }

  /** The Message-ID of one message about one order: the same on every delivery. */
  messageId(orderId: string, about: string): string {
    return `<order-${orderId}.${about.toLowerCase().replace(/_/g, '-')}@${this.config.messageIdHost}>`;
  }

  /**
   * The confirmation to the customer (seed 003: sent once the order is ready): order number, lines (notes too),
   * totals, the gateway's fee, custom fields. Not sent (and `sent: false`) when the order has no address.
   * Rejects when the transport does not take it; the caller retries.
   */
  async sendOrderConfirmation(order: Order, payment: Payment): Promise<MailReceipt> {
    if (!order.customerEmail) return { sent: false, messageId: null, answer: 'not sent: the order has no customer e-mail address' };
    return this.send(order, 'confirmation', [order.customerEmail], MailTemplate.ORDER_CONFIRMATION, this.view(order, payment));
  }

  /**
   * Tells the shop (SHOP_ADMIN_EMAIL) what a flag on the order means and what to do. Not sent (`sent: false`)
   * when SHOP_ADMIN_EMAIL is not configured. Rejects when the transport does not take it.
   */
  async sendFlagAlert(order: Order, payment: Payment, flag: OrderFlag): Promise<MailReceipt> {
    const notice = FLAG_NOTICES[flag];
    if (!notice) throw new Error(`no notice for flag ${flag}`);
    return this.toShop(order, `flag-${flag}`, MailTemplate.SHOP_FLAG, flagAlertView(this.view(order, payment), flag, notice));
  }

  /**
   * Seed 003's "pending payment" e-mail to the shop: the order was placed (approved) but the gateway's callback
   * that would make it ready has not come. Sent by the PENDING_PAYMENT_ALERT outbox row (one per order, written
   * at checkout), so once per order; the Message-ID is per order too. Does not check that the order still
   * waits: the caller does. Not sent (`sent: false`) when SHOP_ADMIN_EMAIL is not configured. Rejects when the
   * transport does not take it.
   */
  async sendPendingPaymentAlert(order: Order, payment: Payment): Promise<MailReceipt> {
    return this.toShop(order, 'pending-payment', MailTemplate.PENDING_PAYMENT, this.view(order, payment));
  }

  close(): void {
    this.transport.close();
  }

  private toShop(order: Order, about: string, template: MailTemplate, view: MailView): Promise<MailReceipt> {
    if (this.config.shopAdminEmails.length === 0) return Promise.resolve({ sent: false, messageId: null, answer: 'not sent: SHOP_ADMIN_EMAIL is not configured' });
    return this.send(order, about, this.config.shopAdminEmails, template, view);
  }

  private view(order: Order, payment: Payment): MailView {
    return mailView(this.format, this.shopName, order, payment);
  }

  private async send(order: Order, about: string, to: readonly string[], template: MailTemplate, view: MailView): Promise<MailReceipt> {
    // Everything that can be done before the server takes the message is done before: after it, only the
    // outbox row's update stands between acceptance and "done" (a crash there is what sends a duplicate).
    const rendered = this.templates.render(template, view);
    const messageId = this.messageId(order.id, about);
    const answer = await this.transport.send({ messageId, to, ...rendered });
    this.log.info({ orderId: order.id, template, messageId, answer }, 'e-mail handed over');
    return { sent: true, messageId, answer };
  }
}

/** Builds the mailer from the configuration; reads and checks every template (throws MailTemplateError). */
export function createMailer(config: MailConfig, log: Logger, transport: MailTransport = createMailTransport(config)): Mailer {
  const format = new MailFormat(config.locale, config.timeZone);
  const sample = mailView(format, 'Sample shop', SAMPLE_ORDER, SAMPLE_PAYMENT);
  const flag = Flags.OUT_OF_STOCK;
  const templates = MailTemplates.load({
    shopDir: config.templatesDir,
    samples: {
      [MailTemplate.ORDER_CONFIRMATION]: sample,
      [MailTemplate.SHOP_FLAG]: flagAlertView(sample, flag, FLAG_NOTICES[flag]),
      [MailTemplate.PENDING_PAYMENT]: sample,
    },
    log,
  });
  return new Mailer(config, templates, transport, log);
}

/**
 * The order every template is tried on at start-up: every part a template may show is there (a note line, custom
 * fields, a coupon, a gift card, a fee), so strict mode reaches every branch a template is likely to have.
 */
const SAMPLE_ORDER = {
  id: '00000000-0000-4000-8000-000000000000',
  cartId: '00000000-0000-4000-8000-000000000001',
  status: OrderStatus.READY,
  currency: 'DKK',
  customerEmail: 'customer@example.com',
  lines: [
    { sku: 'SAMPLE', name: 'Sample product', unitPrice: 4500, quantity: 2, lineTotal: 9000 },
    { sku: 'NOTE', name: 'A note the shop added', unitPrice: 0, quantity: 1, lineTotal: 0, kind: OrderLineKind.NOTE },
  ],
  customFields: { giftNote: 'Happy birthday' },
  couponCodes: ['SAMPLE10'],
  giftCards: [{ code: 'GIFT-1', amount: 1000 }],
  subtotal: 9000,
  discountTotal: 900,
  giftCardTotal: 1000,
  total: 7100,
  flags: [Flags.OUT_OF_STOCK],
  placedAt: new Date(0),
  readyAt: new Date(0),
} as unknown as Order;

const SAMPLE_PAYMENT = {
  reference: 'R0000000000SAMPLE',
  gateway: GatewayName.QUICKPAY,
  status: PaymentStatus.AUTHORIZED,
  gatewayPaymentId: '1',
  amountAuthorized: 7100,
  fee: 125,
  testMode: false,
} as unknown as Payment;
