import { Arg, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { MoneyScalar } from '../../graphql/money.scalar.js';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { CouponKind } from './coupon.entity.js';

@ObjectType()
export class CouponType {
  @Field(() => String)
  code!: string;

  @Field(() => CouponKind)
  kind!: CouponKind;

  @Field(() => MoneyScalar, { description: 'Percent (1-100) or minor units.' })
  value!: number;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => Boolean)
  singleUse!: boolean;

  @Field(() => Int)
  redemptions!: number;
}

@InputType()
export class CouponInputType {
  @Field(() => String)
  code!: string;

  @Field(() => CouponKind)
  kind!: CouponKind;

  @Field(() => MoneyScalar)
  value!: number;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => Boolean, { nullable: true })
  singleUse?: boolean | null;
}

@ObjectType({ description: 'A gift card; while a pending order uses it, it is locked to that order.' })
export class GiftCardType {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  currency!: string;

  @Field(() => MoneyScalar)
  balance!: number;

  @Field(() => String, { nullable: true })
  lockedByOrderId?: string | null;

  @Field(() => MoneyScalar)
  lockedAmount!: number;
}

@InputType()
export class GiftCardInputType {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  currency!: string;

  @Field(() => MoneyScalar)
  balance!: number;
}

@Resolver()
export class PromotionResolver {
  @Mutation(() => CouponType, { description: 'Back office: create a coupon code.' })
  async createCoupon(@Arg('input', () => CouponInputType) input: CouponInputType, @Ctx() ctx: GraphQLContext): Promise<CouponType> {
    ctx.access.requireAdmin();
    return ctx.services.promotions.createCoupon(input);
  }

  @Mutation(() => GiftCardType, { description: 'Back office: issue a gift card.' })
  async createGiftCard(@Arg('input', () => GiftCardInputType) input: GiftCardInputType, @Ctx() ctx: GraphQLContext): Promise<GiftCardType> {
    ctx.access.requireAdmin();
    return ctx.services.promotions.createGiftCard(input);
  }

  @Mutation(() => GiftCardType, { description: 'Back office: release a gift card held by an order that waits for its payment (seed 003); audited with the reason.' })
  async unlockGiftCard(@Arg('code', () => String) code: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: GraphQLContext): Promise<GiftCardType> {
    ctx.access.requireAdmin();
    return ctx.services.promotions.unlockGiftCard(code, reason);
  }

  @Query(() => GiftCardType, { nullable: true, description: 'Back office: a gift card and its lock.' })
  async giftCard(@Arg('code', () => String) code: string, @Ctx() ctx: GraphQLContext): Promise<GiftCardType | null> {
    ctx.access.requireAdmin();
    return ctx.services.promotions.giftCard(code);
  }
}
