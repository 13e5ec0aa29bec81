import { Arg, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { DrawMethod, GatewayName } from '../../gateways/gateway.js';
import type { PaymentMethod } from './payment-method.entity.js';

@ObjectType({ description: 'A way to pay the shop offers to shoppers.' })
export class OfferedPaymentMethodType {
  @Field(() => String, { description: 'What checkout takes as `paymentMethod`.' })
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => GatewayName)
  gateway!: GatewayName;

  @Field(() => DrawMethod)
  drawMethod!: DrawMethod;
}

@ObjectType({ description: "A payment method as the back office manages it (seed 003): a gateway and the shop's terms for it." })
export class PaymentMethodType extends OfferedPaymentMethodType {
  @Field(() => Boolean, { description: "Whether a payment made with the gateway's test cards may make an order ready." })
  testCardsAllowed!: boolean;

  @Field(() => Boolean, { description: 'Whether the gateway may add its fee to the amount (QuickPay autofee); the order then expects total plus fee.' })
  gatewayFeeAllowed!: boolean;

  @Field(() => String, { nullable: true, description: 'The card types or methods the payment window is locked to, in the gateway\'s notation (QuickPay payment_methods, e.g. "visa,mobilepay").' })
  lockedTo?: string | null;

  @Field(() => Boolean, { description: 'Whether shoppers are offered it; a hidden method still serves the orders placed with it.' })
  visible!: boolean;

  @Field(() => Int, { description: 'Where the storefront lists it (ascending).' })
  position!: number;

  @Field(() => Boolean, { description: 'Whether the gateway is configured on this service; when not, the method is not offered.' })
  gatewayConfigured!: boolean;
}

@InputType({ description: 'A change to a payment method: absent fields stay as they are.' })
export class PaymentMethodUpdateInputType {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => GatewayName, { nullable: true, description: 'Refused (CONFLICT) once an order used the method.' })
  gateway?: GatewayName | null;

  @Field(() => Boolean, { nullable: true, description: 'New methods: false (test-card payments are flagged, never made ready).' })
  testCardsAllowed?: boolean | null;

  @Field(() => DrawMethod, { nullable: true, description: 'New methods: AUTHORIZE.' })
  drawMethod?: DrawMethod | null;

  @Field(() => Boolean, { nullable: true, description: 'New methods: false.' })
  gatewayFeeAllowed?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Null or empty: any card or method the gateway offers.' })
  lockedTo?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'New methods: true.' })
  visible?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'New methods: 0.' })
  position?: number | null;
}

@InputType()
export class PaymentMethodInputType extends PaymentMethodUpdateInputType {
  @Field(() => String, { description: 'Lower-case letters, digits, dashes, underscores; at most 40.' })
  code!: string;

  @Field(() => String)
  declare name: string;

  @Field(() => GatewayName)
  declare gateway: GatewayName;
}

/** A method as the back office sees it: with whether this service can take payments on its gateway. */
function backOfficeView(m: PaymentMethod, ctx: GraphQLContext): PaymentMethodType {
  return { ...m, gatewayConfigured: ctx.services.gateways.has(m.gateway) };
}

@Resolver()
export class PaymentMethodResolver {
  @Query(() => [OfferedPaymentMethodType], { description: 'The payment methods shoppers may check out with, in the order to list them.' })
  async paymentMethods(@Ctx() ctx: GraphQLContext): Promise<OfferedPaymentMethodType[]> {
    return ctx.services.paymentMethods.offered();
  }

  @Query(() => [PaymentMethodType], { description: 'Back office: every payment method, hidden ones too.' })
  async backOfficePaymentMethods(@Ctx() ctx: GraphQLContext): Promise<PaymentMethodType[]> {
    ctx.access.requireAdmin();
    return (await ctx.services.paymentMethods.all()).map((m) => backOfficeView(m, ctx));
  }

  @Mutation(() => PaymentMethodType, { description: 'Back office: a new payment method.' })
  async createPaymentMethod(@Arg('input', () => PaymentMethodInputType) input: PaymentMethodInputType, @Ctx() ctx: GraphQLContext): Promise<PaymentMethodType> {
    ctx.access.requireAdmin();
    return backOfficeView(await ctx.services.paymentMethods.create(input), ctx);
  }

  @Mutation(() => PaymentMethodType, { description: "Back office: change a payment method; the fields given change. Its gateway cannot change once an order used it (seed 003): create a new method and hide this one." })
  async updatePaymentMethod(
    @Arg('code', () => String) code: string,
    @Arg('input', () => PaymentMethodUpdateInputType) input: PaymentMethodUpdateInputType,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PaymentMethodType> {
    ctx.access.requireAdmin();
    return backOfficeView(await ctx.services.paymentMethods.update(code, input), ctx);
  }
}
