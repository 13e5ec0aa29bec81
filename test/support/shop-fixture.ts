/** A small shop for tests: a catalogue, and a cart with lines and custom fields, checked out through GraphQL. */
import { AddCartLineDocument, CheckoutDocument, CreateCartDocument, SetCartCustomFieldDocument, UpsertProductDocument, type CheckoutMutation } from '../generated/graphql.js';
import type { TestService } from './test-service.js';

export const CATALOGUE = [
  { sku: 'TEA-EARL', name: 'Earl Grey, 100 g', unitPrice: 4500, currency: 'DKK', stockOnHand: 100 },
  { sku: 'MUG-BLUE', name: 'Blue mug', unitPrice: 12900, currency: 'DKK', stockOnHand: 20 },
  { sku: 'POT-IRON', name: 'Cast iron teapot', unitPrice: 39900, currency: 'DKK', stockOnHand: 5 },
] as const;

export async function seedCatalogue(svc: TestService): Promise<void> {
  for (const p of CATALOGUE) await svc.gqlOk(UpsertProductDocument, { input: { ...p } });
}

export interface CartSpec {
  lines: { sku: string; quantity: number }[];
  customFields?: Record<string, string>;
}

export const DEFAULT_CART: CartSpec = {
  lines: [
    { sku: 'TEA-EARL', quantity: 2 },
    { sku: 'MUG-BLUE', quantity: 1 },
  ],
  customFields: { giftNote: 'Happy birthday, Ada!', deliveryWindow: 'evening' },
};

export async function createFilledCart(svc: TestService, spec: CartSpec = DEFAULT_CART): Promise<string> {
  const { createCart } = await svc.gqlOk(CreateCartDocument, { currency: 'DKK' }, null);
  for (const l of spec.lines) await svc.gqlOk(AddCartLineDocument, { cartId: createCart.id, sku: l.sku, quantity: l.quantity }, null);
  for (const [key, value] of Object.entries(spec.customFields ?? {})) await svc.gqlOk(SetCartCustomFieldDocument, { cartId: createCart.id, key, value }, null);
  return createCart.id;
}

export type Checkout = CheckoutMutation['checkout'];

/**
 * Checks the cart out; `email` is the customer's address (none by default: no confirmation is owed), `paymentMethod`
 * the code of the method to pay with (the test service's own `card` by default).
 */
export async function checkout(svc: TestService, cartId: string, idempotencyKey = `key-${cartId}`, email?: string, paymentMethod = 'card'): Promise<Checkout> {
  const { checkout } = await svc.gqlOk(CheckoutDocument, { input: { cartId, idempotencyKey, paymentMethod, ...(email === undefined ? {} : { email }) } }, null);
  return checkout;
}
