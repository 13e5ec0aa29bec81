import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { toKeyValues } from '../../graphql/shared.types.js';
import type { Cart } from './cart.entity.js';
import { CartType } from './cart.type.js';

export function toCartType(cart: Cart): CartType {
  return {
    id: cart.id,
    status: cart.status,
    currency: cart.currency,
    lines: cart.lines,
    customFields: toKeyValues(cart.customFields),
    couponCodes: cart.couponCodes,
    giftCardCodes: cart.giftCardCodes,
    revision: cart.revision,
    currentOrderId: cart.currentOrderId,
  };
}

@Resolver(() => CartType)
export class CartResolver {
  @Query(() => CartType)
  async cart(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await ctx.services.carts.get(id));
  }

  @Mutation(() => CartType, { description: 'Opens an empty cart in a currency (ISO 4217).' })
  async createCart(@Arg('currency', () => String) currency: string, @Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await ctx.services.carts.create(currency));
  }

  @Mutation(() => CartType, { description: 'Adds to the quantity of a SKU.' })
  async addCartLine(
    @Arg('cartId', () => ID) cartId: string,
    @Arg('sku', () => String) sku: string,
    @Arg('quantity', () => Int, { defaultValue: 1 }) quantity: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CartType> {
    return toCartType(await ctx.services.carts.addLine(cartId, sku, quantity));
  }

  @Mutation(() => CartType, { description: 'Sets the quantity of a SKU; 0 removes the line.' })
  async setCartLine(
    @Arg('cartId', () => ID) cartId: string,
    @Arg('sku', () => String) sku: string,
    @Arg('quantity', () => Int) quantity: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CartType> {
    return toCartType(await ctx.services.carts.setLine(cartId, sku, quantity));
  }

  @Mutation(() => CartType, { description: 'Sets a custom field; an empty value removes it.' })
  async setCartCustomField(
    @Arg('cartId', () => ID) cartId: string,
    @Arg('key', () => String) key: string,
    @Arg('value', () => String) value: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CartType> {
    return toCartType(await ctx.services.carts.setCustomField(cartId, key, value));
  }

  @Mutation(() => CartType)
  async applyCouponCode(@Arg('cartId', () => ID) cartId: string, @Arg('code', () => String) code: string, @Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await ctx.services.carts.applyCoupon(cartId, code));
  }

  @Mutation(() => CartType)
  async removeCouponCode(@Arg('cartId', () => ID) cartId: string, @Arg('code', () => String) code: string, @Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await ctx.services.carts.removeCoupon(cartId, code));
  }

  @Mutation(() => CartType)
  async applyGiftCard(@Arg('cartId', () => ID) cartId: string, @Arg('code', () => String) code: string, @Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await ctx.services.carts.applyGiftCard(cartId, code));
  }

  @Mutation(() => CartType)
  async removeGiftCard(@Arg('cartId', () => ID) cartId: string, @Arg('code', () => String) code: string, @Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await ctx.services.carts.removeGiftCard(cartId, code));
  }
}
