/**
 * Checkout: freezes the cart and places an order for it, with a payment at the chosen gateway, in one lineage
 * transaction. Idempotent: the same cart and idempotency key always give the same order (and the same token).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { AppConfig } from '../../config/config.js';
import { BadUserInputError, ConflictError, NotFoundError, ServiceUnavailableError } from '../../errors/app-errors.js';
import { gatewaySlug, type GatewayRegistry } from '../../gateways/gateway-registry.js';
import type { EntityWriter } from '../../db/busy-retry.js';
import { GatewayApiError, type PaymentGateway, type PaymentRedirect, type PaymentRequestInput } from '../../gateways/gateway.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { Product } from '../catalogue/product.entity.js';
import { CartStatus } from '../cart/cart.machine.js';
import { gatewayPaymentOf, paymentTermsOf, Payment } from '../payment/payment.entity.js';
import type { PaymentMethodService } from '../payment-method/payment-method.service.js';
import type { PaymentMethod } from '../payment-method/payment-method.entity.js';
import { PaymentStatus } from '../payment/payment.machine.js';
import { Coupon } from '../promotions/coupon.entity.js';
import { emailAddressProblem } from '../shared/email-address.js';
import { GiftCard } from '../promotions/gift-card.entity.js';
import type { LineageTransaction } from '../transition/lineage-transaction.js';
import type { TransitionService } from '../transition/transition.service.js';
import { OutboxTopic } from '../outbox/outbox-message.entity.js';
import { Order } from './order.entity.js';
import { OrderStatus } from './order.machine.js';
import { MoneyOverflowError, priceOrder } from './pricing.js';

export interface CheckoutInput {
  cartId: string;
  /** The code of the payment method to pay with (one of `paymentMethods`). */
  paymentMethod: string;
  /** Chosen by the storefront per checkout attempt; a retry of the same attempt reuses it. */
  idempotencyKey: string;
  /** Where the shopper lands after the gateway; `{orderId}` and `{outcome}` (success, cancel) are filled in. */
  returnUrl?: string | null;
  language?: string | null;
  /** The customer's e-mail address, for the confirmation; absent or empty: no confirmation is owed. */
  email?: string | null;
}

export interface CheckoutResult {
  order: Order;
  payment: Payment;
  accessToken: string;
  redirect: PaymentRedirect;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,100}$/;

export class CheckoutService {
  constructor(
    private readonly config: AppConfig,
    private readonly transitions: TransitionService,
    private readonly gateways: GatewayRegistry,
    private readonly methods: PaymentMethodService,
    private readonly writer: EntityWriter,
    private readonly lockMode: LockMode | undefined,
  ) {}

  async checkout(input: CheckoutInput): Promise<CheckoutResult> {
    if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
      throw new BadUserInputError('idempotencyKey must be 8-100 letters, digits, dots, colons, dashes or underscores', { field: 'idempotencyKey' });
    }
    const returnUrl = this.returnUrlTemplate(input.returnUrl);
    const language = (input.language ?? 'en').trim();
    if (!/^[a-z]{2}$/.test(language)) throw new BadUserInputError('language must be a two-letter ISO 639-1 code', { field: 'language' });
    const customerEmail = this.customerEmail(input.email);

    const placed = await this.transitions.inLineage(input.cartId, async (tx) => {
      // A repeat of the attempt returns the order as it was placed, whatever address or method the repeat carries.
      const existing = await tx.em.findOne(Order, { cartId: tx.cart.id, idempotencyKey: input.idempotencyKey });
      if (existing) return { order: existing, payment: await tx.em.findOneOrFail(Payment, { orderId: existing.id }) };
      const method = await this.methods.forCheckout(tx.em, input.paymentMethod);
      return this.place(tx, input, method, customerEmail);
    });
    const { order } = placed;
    // The payment's own gateway (an order keeps the one it was placed with), if this service still speaks to it.
    const gateway = this.gateways.get(placed.payment.gateway);
    const fill = (outcome: string) => returnUrl.replaceAll('{orderId}', order.id).replaceAll('{outcome}', outcome);
    const request: PaymentRequestInput = {
      payment: gatewayPaymentOf(placed.payment),
      amount: placed.payment.amount,
      currency: placed.payment.currency,
      terms: paymentTermsOf(placed.payment),
      continueUrl: fill('success'),
      cancelUrl: fill('cancel'),
      callbackUrl: `${this.config.publicBaseUrl}/callbacks/${gatewaySlug(gateway.name)}`,
      language,
      description: `Order ${order.id}`,
      idempotencyKey: `payment:${placed.payment.id}`,
    };
    const payment = await this.createAtGateway(gateway, placed.payment, request);
    return { order, payment, accessToken: order.accessToken, redirect: gateway.buildPaymentRequest({ ...request, payment: gatewayPaymentOf(payment) }) };
  }

  /**
   * Creates the payment at a gateway that wants it made before the shopper comes (outside the lineage's
   * transaction: nothing waits on a lock for the gateway), once: what it gives back is kept with the payment, and a
   * repeated checkout whose first call never came back asks again with the same idempotency key. A gateway that
   * cannot be reached leaves the order waiting for its payment (the reconciler expires it if no payment comes); the
   * storefront is told to try the same attempt again.
   */
  private async createAtGateway(gateway: PaymentGateway, payment: Payment, request: PaymentRequestInput): Promise<Payment> {
    if (!gateway.createPayment || payment.gatewayData) return payment;
    let created;
    try {
      created = await gateway.createPayment(request);
    } catch (e) {
      if (!(e instanceof GatewayApiError)) throw e;
      throw new ServiceUnavailableError(`${gateway.name} did not create the payment (${e.message}); repeat the checkout with the same idempotency key`);
    }
    return this.writer.write(async (em) => {
      const row = await em.findOneOrFail(Payment, { id: payment.id });
      // A repeat that raced this one stored its answer first: the gateway made one payment, both answers name it.
      if (!row.gatewayData) {
        row.gatewayData = created.gatewayData;
        row.gatewayPaymentId ??= created.gatewayPaymentId;
      }
      return row;
    });
  }

  private async place(tx: LineageTransaction, input: CheckoutInput, method: PaymentMethod, customerEmail: string | null): Promise<{ order: Order; payment: Payment }> {
    const cart = tx.cart;
    if (cart.status !== CartStatus.OPEN) {
      throw new ConflictError('the cart is already checked out; report the redirect outcome or wait for the payment', {
        cartId: cart.id,
        orderId: cart.currentOrderId,
      });
    }
    if (cart.lines.length === 0) throw new BadUserInputError('the cart is empty', { field: 'cartId' });

    const products = await tx.em.find(Product, { sku: { $in: cart.lines.map((l) => l.sku) } });
    const bySku = new Map(products.map((p) => [p.sku, p]));
    for (const line of cart.lines) {
      const p = bySku.get(line.sku);
      if (!p) throw new NotFoundError('Product', line.sku);
      if (p.currency !== cart.currency) throw new BadUserInputError(`${p.sku} is now priced in ${p.currency}, the cart in ${cart.currency}`);
    }
    const coupons = cart.couponCodes.length ? await tx.em.find(Coupon, { code: { $in: cart.couponCodes }, active: true }) : [];
    const missingCoupon = cart.couponCodes.find((c) => !coupons.some((x) => x.code === c));
    if (missingCoupon) throw new NotFoundError('Coupon', missingCoupon);
    const cards = await this.lockGiftCards(tx, cart.giftCardCodes);

    const orderId = randomUUID();
    const totals = this.price(
      cart.lines,
      bySku,
      cart.couponCodes.map((code) => coupons.find((c) => c.code === code)!),
      cards.map((c) => ({ code: c.code, available: c.balance })),
    );
    if (totals.total <= 0) {
      throw new BadUserInputError('nothing is left to pay at the gateway; orders paid entirely by coupons or gift cards are not supported yet');
    }
    for (const applied of totals.giftCards) {
      const card = cards.find((c) => c.code === applied.code)!;
      card.lockedByOrderId = orderId;
      card.lockedAmount = applied.amount;
    }

    const now = tx.now;
    const order = tx.em.create(Order, {
      id: orderId,
      cartId: cart.id,
      cartRevision: cart.revision,
      idempotencyKey: input.idempotencyKey,
      customerEmail,
      status: OrderStatus.PENDING_PAYMENT,
      accessToken: randomBytes(32).toString('base64url'),
      currency: cart.currency,
      lines: totals.lines,
      customFields: { ...cart.customFields },
      couponCodes: [...cart.couponCodes],
      giftCards: totals.giftCards,
      subtotal: totals.subtotal,
      discountTotal: totals.discountTotal,
      giftCardTotal: totals.giftCardTotal,
      total: totals.total,
      flags: [],
      statusSequence: 0,
      placedAt: now,
      readyAt: null,
      cancelledAt: null,
    });
    const payment = tx.em.create(Payment, {
      id: randomUUID(),
      orderId,
      paymentMethodId: method.id,
      gateway: method.gateway,
      reference: this.gateways.get(method.gateway).newPaymentReference(),
      gatewayPaymentId: null,
      gatewayData: null,
      // The method's terms as they are now: what this payment is offered on, whatever the method says later.
      testCardsAllowed: method.testCardsAllowed,
      gatewayFeeAllowed: method.gatewayFeeAllowed,
      drawMethod: method.drawMethod,
      lockedTo: method.lockedTo,
      gatewayCurrency: null,
      status: PaymentStatus.INITIATED,
      amount: totals.total,
      currency: cart.currency,
      // Chased at the gateway if no word of it comes (seed 003's missing callback).
      reconcileAt: new Date(now.getTime() + this.config.reconciler.scheduleMs[0]),
    });
    const cause = { trigger: 'checkout', source: TransitionSource.STOREFRONT, detail: `payment method ${method.code}, idempotency key ${input.idempotencyKey}` };
    cart.currentOrderId = orderId;
    tx.transitionCart(CartStatus.CHECKED_OUT, cause);
    tx.place(order, payment, cause);
    // Seed 003: the shop hears of an order still waiting for its payment after a while (owed only if it still is).
    tx.addOutbox(OutboxTopic.PENDING_PAYMENT_ALERT, `order:${orderId}`, orderId, { orderId }, new Date(now.getTime() + this.config.reconciler.pendingAlertAfterMs));
    return { order, payment };
  }

  private price(...args: Parameters<typeof priceOrder>): ReturnType<typeof priceOrder> {
    try {
      return priceOrder(...args);
    } catch (e) {
      if (e instanceof MoneyOverflowError) throw new BadUserInputError(`${e.message}; split the order`, { field: 'cartId' });
      throw e;
    }
  }

  /** Locks the cart's gift cards for this order; a card held by another pending order cannot be used twice. */
  private async lockGiftCards(tx: LineageTransaction, codes: string[]): Promise<GiftCard[]> {
    const cards: GiftCard[] = [];
    for (const code of [...codes].sort()) {
      const card = await tx.em.findOne(GiftCard, { code }, this.lockMode ? { lockMode: this.lockMode } : {});
      if (!card) throw new NotFoundError('GiftCard', code);
      if (card.lockedByOrderId) throw new ConflictError(`gift card ${code} is held by another order waiting for payment`, { giftCard: code });
      if (card.balance > 0) cards.push(card);
    }
    return codes.map((c) => cards.find((x) => x.code === c)).filter((c): c is GiftCard => !!c);
  }

  /** The address as given, trimmed; null when none was given. Refused (BAD_USER_INPUT) when it is not one. */
  private customerEmail(given: string | null | undefined): string | null {
    const email = given?.trim() ?? '';
    if (email === '') return null;
    const problem = emailAddressProblem(email);
    if (problem) throw new BadUserInputError(`email ${problem}`, { field: 'email' });
    return email;
  }

  private returnUrlTemplate(given: string | null | undefined): string {
    const url = given ?? this.config.storefrontReturnUrl;
    let parsed: URL;
    try {
      parsed = new URL(url.replaceAll('{orderId}', 'x').replaceAll('{outcome}', 'x'));
    } catch {
      throw new BadUserInputError('returnUrl must be an absolute URL', { field: 'returnUrl' });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new BadUserInputError('returnUrl must be http or https', { field: 'returnUrl' });
    return url;
  }
}
