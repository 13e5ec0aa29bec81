/**
 * The shopper's cart edits. Every edit runs under the lineage lock and is refused while the cart is checked out,
 * so an order's snapshot and its cart can never drift apart (invariant 2).
 */
import { randomUUID } from 'node:crypto';
import type { EntityWriter } from '../../db/busy-retry.js';
import type { Orm } from '../../db/orm.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../../errors/app-errors.js';
import { Product } from '../catalogue/product.entity.js';
import { Coupon } from '../promotions/coupon.entity.js';
import { GiftCard } from '../promotions/gift-card.entity.js';
import { normaliseCurrency } from '../shared/money.js';
import type { LineageTransaction } from '../transition/lineage-transaction.js';
import type { TransitionService } from '../transition/transition.service.js';
import { Cart } from './cart.entity.js';
import { CartStatus } from './cart.machine.js';

/** Limits that keep a cart a cart, not a storage service. */
export const CART_LIMITS = {
  maxLines: 100,
  maxQuantity: 9999,
  maxCustomFields: 50,
  maxCustomFieldValueLength: 2000,
  maxCodes: 10,
} as const;

const CUSTOM_FIELD_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export class CartService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: EntityWriter,
    private readonly transitions: TransitionService,
  ) {}

  async create(currency: string): Promise<Cart> {
    const code = normaliseCurrency(currency);
    return this.writer.write((em) =>
      em.create(Cart, {
        id: randomUUID(),
        status: CartStatus.OPEN,
        currency: code,
        lines: [],
        customFields: {},
        couponCodes: [],
        giftCardCodes: [],
        revision: 0,
        currentOrderId: null,
      }),
    );
  }

  async get(id: string): Promise<Cart> {
    const cart = await this.orm.em.fork().findOne(Cart, { id });
    if (!cart) throw new NotFoundError('Cart', id);
    return cart;
  }

  /** Sets the quantity of a SKU (adding the line if new); quantity 0 removes the line. */
  async setLine(cartId: string, sku: string, quantity: number): Promise<Cart> {
    checkQuantity(quantity, 0);
    return this.changeLine(cartId, sku, () => quantity);
  }

  /** Adds to the quantity of a SKU (read and written under the lock, so concurrent adds both count). */
  async addLine(cartId: string, sku: string, quantity: number): Promise<Cart> {
    checkQuantity(quantity, 1);
    return this.changeLine(cartId, sku, (current) => current + quantity);
  }

  private async changeLine(cartId: string, sku: string, next: (current: number) => number): Promise<Cart> {
    return this.edit(cartId, async (cart, tx) => {
      const at = cart.lines.findIndex((l) => l.sku === sku);
      const quantity = next(at < 0 ? 0 : cart.lines[at].quantity);
      checkQuantity(quantity, 0);
      const lines = cart.lines.filter((l) => l.sku !== sku);
      if (quantity > 0) {
        const product = await tx.em.findOne(Product, { sku });
        if (!product) throw new NotFoundError('Product', sku);
        if (product.currency !== cart.currency) {
          throw new BadUserInputError(`${sku} is priced in ${product.currency}, the cart in ${cart.currency}`, { field: 'sku' });
        }
        if (at < 0 && lines.length >= CART_LIMITS.maxLines) throw new BadUserInputError(`a cart holds at most ${CART_LIMITS.maxLines} lines`);
        // Keep the line where it was, so the shopper's order of lines survives edits.
        lines.splice(at < 0 ? lines.length : at, 0, { sku, quantity });
      }
      cart.lines = lines;
    });
  }

  /** Sets a custom field (seed 000: they must survive every round trip); an empty value removes it. */
  async setCustomField(cartId: string, key: string, value: string): Promise<Cart> {
    if (!CUSTOM_FIELD_KEY.test(key)) throw new BadUserInputError('key must start with a letter and hold at most 64 letters, digits, dots, dashes or underscores', { field: 'key' });
    if (value.length > CART_LIMITS.maxCustomFieldValueLength) throw new BadUserInputError(`value is longer than ${CART_LIMITS.maxCustomFieldValueLength} characters`, { field: 'value' });
    return this.edit(cartId, async (cart) => {
      const fields = { ...cart.customFields };
      if (value === '') delete fields[key];
      else fields[key] = value;
      if (Object.keys(fields).length > CART_LIMITS.maxCustomFields) throw new BadUserInputError(`a cart holds at most ${CART_LIMITS.maxCustomFields} custom fields`);
      cart.customFields = fields;
    });
  }

  async applyCoupon(cartId: string, code: string): Promise<Cart> {
    return this.edit(cartId, async (cart, tx) => {
      const coupon = await tx.em.findOne(Coupon, { code });
      if (!coupon || !coupon.active) throw new NotFoundError('Coupon', code);
      if (coupon.currency && coupon.currency !== cart.currency) throw new BadUserInputError(`coupon ${code} is for ${coupon.currency}`, { field: 'code' });
      cart.couponCodes = addCode(cart.couponCodes, code);
    });
  }

  async removeCoupon(cartId: string, code: string): Promise<Cart> {
    return this.edit(cartId, async (cart) => {
      cart.couponCodes = cart.couponCodes.filter((c) => c !== code);
    });
  }

  async applyGiftCard(cartId: string, code: string): Promise<Cart> {
    return this.edit(cartId, async (cart, tx) => {
      const card = await tx.em.findOne(GiftCard, { code });
      if (!card) throw new NotFoundError('GiftCard', code);
      if (card.currency !== cart.currency) throw new BadUserInputError(`gift card ${code} is in ${card.currency}`, { field: 'code' });
      cart.giftCardCodes = addCode(cart.giftCardCodes, code);
    });
  }

  async removeGiftCard(cartId: string, code: string): Promise<Cart> {
    return this.edit(cartId, async (cart) => {
      cart.giftCardCodes = cart.giftCardCodes.filter((c) => c !== code);
    });
  }

  private async edit(cartId: string, change: (cart: Cart, tx: LineageTransaction) => Promise<void>): Promise<Cart> {
    return this.transitions.inLineage(cartId, async (tx) => {
      const cart = tx.cart;
      if (cart.status !== CartStatus.OPEN) {
        throw new ConflictError('the cart is checked out; cancel its order to edit it again', { cartId, orderId: cart.currentOrderId });
      }
      await change(cart, tx);
      cart.revision += 1;
      return cart;
    });
  }
}

function checkQuantity(quantity: number, min: number): void {
  if (!Number.isInteger(quantity) || quantity < min || quantity > CART_LIMITS.maxQuantity) {
    throw new BadUserInputError(`quantity must be an integer from ${min} to ${CART_LIMITS.maxQuantity}`, { field: 'quantity' });
  }
}

function addCode(codes: string[], code: string): string[] {
  if (codes.includes(code)) return codes;
  if (codes.length >= CART_LIMITS.maxCodes) throw new BadUserInputError(`a cart holds at most ${CART_LIMITS.maxCodes} codes of a kind`);
  return [...codes, code];
}
