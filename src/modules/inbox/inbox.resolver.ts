import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { GatewayName } from '../../gateways/gateway.js';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { requirePageSize } from '../../graphql/input-guard.js';
import { KeyValue, toKeyValues } from '../../graphql/shared.types.js';
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

  @Field(() => String, { nullable: true, description: 'The body as text (UTF-8; bytes that are not UTF-8 show as U+FFFD). Of a rejected message only its first bytes are kept.' })
  body?: string | null;

  @Field(() => String, { nullable: true, description: 'The body exactly as received, base64: what its signature was computed over.' })
  bodyBase64?: string | null;

  @Field(() => [KeyValue], { description: 'The headers kept with it (credentials never are; long or many headers are cut).' })
  headers!: KeyValue[];
}

function toInboxMessageType(m: InboxMessage): InboxMessageType {
  const body = m.body ? Buffer.from(m.body) : null;
  return {
    id: m.id,
    gateway: m.gateway,
    status: m.status,
    paymentReference: m.paymentReference,
    remoteAddress: m.remoteAddress,
    outcome: m.outcome,
    attempts: m.attempts,
    receivedAt: m.receivedAt,
    processedAt: m.processedAt,
    body: body?.toString('utf8') ?? null,
    bodyBase64: body?.toString('base64') ?? null,
    headers: toKeyValues(m.headers),
  };
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
    const found = await ctx.services.orm.em.fork().find(InboxMessage, where, { orderBy: { id: 'desc' }, limit: requirePageSize(limit, ctx.services.config.graphql) });
    return found.map(toInboxMessageType);
  }
}
