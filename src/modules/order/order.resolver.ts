import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { requirePageSize } from '../../graphql/input-guard.js';
import { KeyValueInput, fromKeyValues, toKeyValues } from '../../graphql/shared.types.js';
import type { PaymentStatusChange } from '../transition/status-change.js';
import type { OrderWithPayment } from './order-query.service.js';
import { OrderLineKind } from './order.entity.js';
import { OrderConnection, OrderFilterInput } from './order-search.type.js';
import {
  CheckoutInputType,
  CheckoutResultType,
  OrderType,
  PaymentStatusUpdateType,
  RedirectOutcomeResultType,
  StatusTransitionType,
} from './order.type.js';
import { RedirectOutcome } from './redirect-outcome.service.js';

export function toOrderType({ order, payment }: OrderWithPayment): OrderType {
  return {
    id: order.id,
    cartId: order.cartId,
    status: order.status,
    customerEmail: order.customerEmail ?? null,
    paymentStatus: payment.status,
    payment: {
      id: payment.id,
      gateway: payment.gateway,
      reference: payment.reference,
      gatewayPaymentId: payment.gatewayPaymentId,
      status: payment.status,
      amount: payment.amount,
      currency: payment.currency,
      amountAuthorized: payment.amountAuthorized,
      amountCaptured: payment.amountCaptured,
      amountRefunded: payment.amountRefunded,
      fee: payment.fee,
      testMode: payment.testMode,
      drawMethod: payment.drawMethod,
      testCardsAllowed: payment.testCardsAllowed,
      gatewayFeeAllowed: payment.gatewayFeeAllowed,
      lockedTo: payment.lockedTo ?? null,
    },
    currency: order.currency,
    lines: order.lines.map((l) => ({ ...l, kind: l.kind ?? OrderLineKind.PRODUCT })),
    customFields: toKeyValues(order.customFields),
    couponCodes: order.couponCodes,
    giftCards: order.giftCards,
    subtotal: order.subtotal,
    discountTotal: order.discountTotal,
    giftCardTotal: order.giftCardTotal,
    total: order.total,
    fee: payment.fee,
    totalWithFee: order.total + payment.fee,
    flags: order.flags,
    placedAt: order.placedAt,
    readyAt: order.readyAt ?? null,
    cancelledAt: order.cancelledAt ?? null,
  };
}

@Resolver(() => OrderType)
export class OrderResolver {
  @Query(() => OrderType, { description: "An order, for the holder of its access token or the back office." })
  async order(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OrderType> {
    return toOrderType(await ctx.services.orderQueries.get(id, ctx.access));
  }

  @Query(() => OrderConnection, {
    description: 'Back office: orders matching `filter`, newest placed first (by ready date, oldest first, with `readyBetween`), a page at a time.',
  })
  async orders(
    @Arg('filter', () => OrderFilterInput, { nullable: true }) filter: OrderFilterInput | null,
    @Arg('first', () => Int, { defaultValue: 50, description: 'How many, from 1 to GRAPHQL_MAX_LIST_LENGTH (100 unless configured); more is refused (BAD_USER_INPUT).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: "The previous page's pageInfo.endCursor." }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderConnection> {
    ctx.access.requireAdmin();
    const page = await ctx.services.orderSearch.page(filter ?? {}, requirePageSize(first, ctx.services.config.graphql), after);
    return {
      edges: page.rows.map((r) => ({ cursor: r.cursor, node: toOrderType(r) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @FieldResolver(() => [StatusTransitionType], { description: 'The audit trail of the order, its payment and its cart while it held it.' })
  async transitions(@Root() order: OrderType, @Ctx() ctx: GraphQLContext): Promise<StatusTransitionType[]> {
    return ctx.services.orderQueries.transitions(order.id);
  }

  @Mutation(() => CheckoutResultType, { description: 'Freezes the cart and places an order with a payment at the gateway. Idempotent per idempotencyKey.' })
  async checkout(@Arg('input', () => CheckoutInputType) input: CheckoutInputType, @Ctx() ctx: GraphQLContext): Promise<CheckoutResultType> {
    const result = await ctx.services.checkout.checkout(input);
    return {
      order: toOrderType(result),
      accessToken: result.accessToken,
      redirect: {
        method: result.redirect.method,
        url: result.redirect.url,
        fields: Object.entries(result.redirect.fields).map(([name, value]) => ({ name, value })),
      },
    };
  }

  @Mutation(() => RedirectOutcomeResultType, {
    description: "Reports what the shopper's browser said on return. Never marks an order paid; cancel and error reopen the order's cart.",
  })
  async reportRedirectOutcome(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('outcome', () => RedirectOutcome) outcome: RedirectOutcome,
    @Arg('params', () => [KeyValueInput], { nullable: true, description: 'Query parameters the gateway added to the return URL, kept for the audit trail; at most GRAPHQL_MAX_LIST_LENGTH (100 unless configured).' })
    params: KeyValueInput[] | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RedirectOutcomeResultType> {
    const result = await ctx.services.redirects.report(orderId, ctx.access, outcome, fromKeyValues(params));
    return { order: toOrderType(result), applied: result.applied, reason: result.reason };
  }

  @Mutation(() => OrderType, {
    description:
      "Back office (seed 003): accept the authorised payment of a flagged order waiting for it as it is (an amount that differs, a test card), with a reason: the order becomes READY and what READY owes follows. CONFLICT for any other order.",
  })
  async acceptFlaggedOrder(@Arg('orderId', () => ID) orderId: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: GraphQLContext): Promise<OrderType> {
    ctx.access.requireAdmin();
    return toOrderType(await ctx.services.flaggedOrders.accept(orderId, reason));
  }

  @Mutation(() => OrderType, {
    description:
      "Back office (seed 003): void the authorised payment of a flagged order waiting for it and cancel the order, with a reason; its cart reopens. CONFLICT for any other order.",
  })
  async voidAndCancelFlaggedOrder(@Arg('orderId', () => ID) orderId: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: GraphQLContext): Promise<OrderType> {
    ctx.access.requireAdmin();
    return toOrderType(await ctx.services.flaggedOrders.voidAndCancel(orderId, reason));
  }

  @Subscription(() => PaymentStatusUpdateType, {
    description: "The order's current payment status, then every committed change. Needs the order's access token or the admin key.",
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const orderId = args.orderId as string;
      return ctx.services.live.watch(orderId, () => ctx.services.orderQueries.currentStatus(orderId, ctx.access));
    },
  })
  paymentStatusChanged(@Arg('orderId', () => ID) _orderId: string, @Root() change: PaymentStatusChange): PaymentStatusUpdateType {
    return change;
  }
}
