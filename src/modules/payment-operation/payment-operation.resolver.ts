import { Arg, Args, ArgsType, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { MoneyScalar } from '../../graphql/money.scalar.js';
import { OperationKind } from '../../gateways/gateway.js';
import { OrderType } from '../order/order.type.js';
import { toOrderType } from '../order/order.resolver.js';
import { OperationRequester, OperationStatus, type PaymentOperation } from './payment-operation.entity.js';
import type { OperationResult } from './payment-operations.service.js';

@ObjectType({ description: "One row of a payment's operations ledger: an operation the shop asked for, or one the gateway did on its own." })
export class PaymentOperationType {
  @Field(() => ID)
  id!: string;

  @Field(() => OperationKind)
  kind!: OperationKind;

  @Field(() => MoneyScalar, { description: 'Minor units; 0 for a cancel.' })
  amount!: number;

  @Field(() => OperationStatus)
  status!: OperationStatus;

  @Field(() => OperationRequester)
  requestedBy!: OperationRequester;

  @Field(() => String, { nullable: true, description: 'The key it was asked with; null for operations done at the gateway.' })
  idempotencyKey?: string | null;

  @Field(() => String, { nullable: true })
  reason?: string | null;

  @Field(() => String, { nullable: true, description: "The gateway's id for the operation, once it reported it." })
  gatewayOperationId?: string | null;

  @Field(() => String, { nullable: true, description: 'What the gateway answered, or why the outcome is not known yet.' })
  answer?: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  settledAt?: Date | null;
}

@ObjectType()
export class PaymentOperationResultType {
  @Field(() => PaymentOperationType, { description: 'The operation: a repeat of the same idempotency key returns the first one.' })
  operation!: PaymentOperationType;

  @Field(() => OrderType, { description: "The order with its payment's amounts, as the ledger has them now." })
  order!: OrderType;
}

const toOperationType = (o: PaymentOperation): PaymentOperationType => ({ ...o, amount: o.amount });
const toResult = ({ operation, order, payment }: OperationResult): PaymentOperationResultType => ({ operation: toOperationType(operation), order: toOrderType({ order, payment }) });

const KEY = { description: 'One per operation the shop means: a repeat with it returns the first result and asks the gateway once.' };
const REASON = { nullable: true, description: 'Why, for the ledger (3 to 500 characters).' };

@ArgsType()
class OperationArgs {
  @Field(() => ID)
  orderId!: string;

  @Field(() => String, KEY)
  idempotencyKey!: string;

  @Field(() => String, REASON)
  reason?: string | null;
}

@ArgsType()
class PartOrAllArgs extends OperationArgs {
  @Field(() => MoneyScalar, { nullable: true, description: 'Minor units; all that remains when absent.' })
  amount?: number | null;
}

@ArgsType()
class ChargeArgs extends OperationArgs {
  @Field(() => MoneyScalar, { description: 'Minor units.' })
  amount!: number;
}

@Resolver()
export class PaymentOperationResolver {
  @Query(() => [PaymentOperationType], { description: "Back office: the operations ledger of an order's payment, oldest first." })
  async paymentOperations(@Arg('orderId', () => ID) orderId: string, @Ctx() ctx: GraphQLContext): Promise<PaymentOperationType[]> {
    ctx.access.requireAdmin();
    return (await ctx.services.paymentOperations.operationsOf(orderId)).map(toOperationType);
  }

  @Mutation(() => PaymentOperationResultType, {
    description: 'Back office: captures the authorised payment, in part (`amount`) or all that remains (no amount); never more than authorised minus captured. CONFLICT (extensions.reason) before authorisation, for a refused test payment, a subscription, or an amount over what remains.',
  })
  async capturePayment(@Args(() => PartOrAllArgs) args: PartOrAllArgs, @Ctx() ctx: GraphQLContext): Promise<PaymentOperationResultType> {
    return this.ask(ctx, OperationKind.CAPTURE, args);
  }

  @Mutation(() => PaymentOperationResultType, { description: 'Back office: refunds captured money, in part or all that remains; never more than captured minus refunded.' })
  async refundPayment(@Args(() => PartOrAllArgs) args: PartOrAllArgs, @Ctx() ctx: GraphQLContext): Promise<PaymentOperationResultType> {
    return this.ask(ctx, OperationKind.REFUND, args);
  }

  @Mutation(() => PaymentOperationResultType, { description: 'Back office: voids an authorisation nothing of which is captured (or ends a subscription not charged yet).' })
  async cancelPayment(@Args(() => OperationArgs) args: OperationArgs, @Ctx() ctx: GraphQLContext): Promise<PaymentOperationResultType> {
    return this.ask(ctx, OperationKind.CANCEL, args);
  }

  @Mutation(() => PaymentOperationResultType, { description: "Back office: charges a subscription payment again (seed 003's recurring), captured at once." })
  async chargeSubscription(@Args(() => ChargeArgs) args: ChargeArgs, @Ctx() ctx: GraphQLContext): Promise<PaymentOperationResultType> {
    return this.ask(ctx, OperationKind.RECURRING, args);
  }

  private async ask(ctx: GraphQLContext, kind: OperationKind, { orderId, idempotencyKey, reason, amount }: OperationArgs & { amount?: number | null }): Promise<PaymentOperationResultType> {
    ctx.access.requireAdmin();
    return toResult(await ctx.services.paymentOperations.request({ orderId, kind, amount: amount ?? null, idempotencyKey, reason: reason ?? null, requestedBy: OperationRequester.BACK_OFFICE }));
  }
}
