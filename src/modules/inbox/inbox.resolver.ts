import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { GatewayName } from '../../gateways/gateway.js';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { requirePageSize } from '../../graphql/input-guard.js';
import { InboxMessage, InboxStatus } from './inbox-message.entity.js';

@ObjectType({ description: 'A notification as the bridge recorded it.' })
export class InboxMessageType {
  @Field(() => ID)
  id!: number;

  @Field(() => GatewayName)
  gateway!: GatewayName;

  @Field(() => InboxStatus)
  status!: InboxStatus;

  @Field(() => String, { nullable: true })
  paymentReference?: string | null;

  @Field(() => String, { nullable: true })
  remoteAddress?: string | null;

  @Field(() => String, { nullable: true })
  outcome?: string | null;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Date)
  receivedAt!: Date;

  @Field(() => Date, { nullable: true })
  processedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'The raw body as received.' })
  body?: string | null;
}

@Resolver(() => InboxMessageType)
export class InboxResolver {
  @Query(() => [InboxMessageType], { description: 'Back office: recorded notifications, newest first.' })
  async inboxMessages(
    @Arg('status', () => InboxStatus, { nullable: true }) status: InboxStatus | null,
    @Arg('paymentReference', () => String, { nullable: true }) paymentReference: string | null,
    @Arg('limit', () => Int, { defaultValue: 50, description: 'How many, from 1 to GRAPHQL_MAX_LIST_LENGTH (100 unless configured); more is refused (BAD_USER_INPUT).' }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<InboxMessageType[]> {
    ctx.access.requireAdmin();
    const where: Record<string, unknown> = {};
    if (status) where.status = status;
    if (paymentReference) where.paymentReference = paymentReference;
    return ctx.services.orm.em.fork().find(InboxMessage, where, { orderBy: { id: 'desc' }, limit: requirePageSize(limit, ctx.services.config.graphql) });
  }
}
