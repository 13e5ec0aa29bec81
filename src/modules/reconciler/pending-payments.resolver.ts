import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { requirePageSize } from '../../graphql/input-guard.js';
import { toOrderType } from '../order/order.resolver.js';
import { OrderType } from '../order/order.type.js';
import type { PendingPayment } from './pending-payments.service.js';

@ObjectType({ description: 'An order waiting for its payment, and how the reconciler chases it (seed 003).' })
export class PendingPaymentType {
  @Field(() => OrderType)
  order!: OrderType;

  @Field(() => Int, { description: 'Seconds since the order was placed.' })
  waitingSeconds!: number;

  @Field(() => Int, { description: 'How many times the gateway was asked.' })
  timesAsked!: number;

  @Field(() => Date, { nullable: true })
  lastAskedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'What the gateway answered the last time it was asked.' })
  lastAnswer?: string | null;

  @Field(() => Date, { nullable: true, description: 'When it is asked next; null when it is no longer chased (resolved by hand).' })
  nextAskAt?: Date | null;
}

@ObjectType({ description: 'What asking the gateway about one payment came to.' })
export class ReconcileResultType {
  @Field(() => OrderType)
  order!: OrderType;

  @Field(() => String, { description: 'What the gateway answered.' })
  answer!: string;

  @Field(() => String, { description: 'What applying it did, or why nothing was applied.' })
  outcome!: string;

  @Field(() => Date, { nullable: true })
  nextAskAt?: Date | null;
}

function toPendingType({ order, payment }: PendingPayment, now: Date): PendingPaymentType {
  return {
    order: toOrderType({ order, payment }),
    waitingSeconds: Math.max(0, Math.floor((now.getTime() - order.placedAt.getTime()) / 1000)),
    timesAsked: payment.reconcileAttempts,
    lastAskedAt: payment.lastReconciledAt ?? null,
    lastAnswer: payment.lastReconcileAnswer ?? null,
    nextAskAt: payment.reconcileAt ?? null,
  };
}

@Resolver()
export class PendingPaymentsResolver {
  @Query(() => [PendingPaymentType], { description: 'Back office: orders waiting for their payment, longest-waiting first; `limit` from 1 to GRAPHQL_MAX_LIST_LENGTH.' })
  async pendingPayments(@Arg('limit', () => Int, { defaultValue: 50 }) limit: number, @Ctx() ctx: GraphQLContext): Promise<PendingPaymentType[]> {
    ctx.access.requireAdmin();
    const rows = await ctx.services.pendingPayments.list(requirePageSize(limit, ctx.services.config.graphql));
    const now = new Date();
    return rows.map((r) => toPendingType(r, now));
  }

  @Mutation(() => ReconcileResultType, { description: "Back office: ask the gateway about an order's payment now, and apply its answer." })
  async reconcilePayment(@Arg('orderId', () => ID) orderId: string, @Ctx() ctx: GraphQLContext): Promise<ReconcileResultType> {
    ctx.access.requireAdmin();
    const result = await ctx.services.pendingPayments.reconcileNow(orderId);
    const { order, payment } = await ctx.services.orderQueries.get(result.orderId, ctx.access);
    return { order: toOrderType({ order, payment }), answer: result.answer, outcome: result.outcome, nextAskAt: result.nextAt };
  }

  @Mutation(() => PendingPaymentType, { description: 'Back office: stop chasing a pending payment the shop settled another way; audited with the reason.' })
  async resolvePendingPayment(@Arg('orderId', () => ID) orderId: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: GraphQLContext): Promise<PendingPaymentType> {
    ctx.access.requireAdmin();
    return toPendingType(await ctx.services.pendingPayments.resolveByHand(orderId, reason), new Date());
  }
}
